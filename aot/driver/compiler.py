"""The compile pipeline: model file -> Graph -> passes -> Graph' -> Plan -> C sources + metadata.json."""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from aot import ops
from aot.core.errors import ModelError, UnsupportedError
from aot.core.ir import Graph
from aot.driver import choose
from aot.driver.report import largest_op_keys, memory_table
from aot.frontends import load_model
from aot.frontends.model_checks import MAX_BYTES, check_model
from aot.frontends.validate import check_graph
from aot.passes.dce import dce
from aot.passes.fold_constants import fold_constants
from aot.passes.pipeline import optimize
from aot.planner import Plan, plan_graph, reordered
from codegen_c import generate
from codegen_c.kernel import KernelChoice


@dataclass
class CompiledModel:
    graph: Graph
    plan: Plan
    model_hash: str
    source: Path
    variants: dict[int, KernelChoice] = field(default_factory=dict)  # op index -> its kernel (codegen_c/kernel.py)
    features: tuple[str, ...] = ()  # CPU features the code was generated for (board.toml)
    imported: Graph | None = None  # the frontend's graph before the passes (``model_graph``): what runs check
    policy: dict = field(default_factory=dict)  # the kernel choice's budget and modelled cost (choose.Choice.to_json)

    @property
    def macs(self) -> int:
        return sum(ops.get(op.kind).macs(op, self.graph) for op in self.graph.ops)


def prepare(g: Graph) -> tuple[Graph, list[tuple[str, str, str]]]:
    """A frontend's graph through the pass pipeline (aot.passes.pipeline.optimize, the one place it runs,
    for every frontend), then every op's check: (optimized graph, problems). The caller's
    graph is left untouched (the passes edit in place, so they run on a copy)."""
    problems = check_model(g)  # the passes assume a consistent model
    if problems:
        return g, problems
    g = optimize(copy.deepcopy(g))
    return g, check_graph(g)


def compile_graph(g: Graph, source: Path, model_hash: str, *, board=None, tuning=None, priority: str = "balanced",
                  max_arena: int | None = None, measured: dict[int, dict[str, float]] | None = None) -> CompiledModel:
    """Optimize and check the frontend's graph (``prepare``; raises UnsupportedError), then
    ``compile_prepared``."""
    prepared, problems = prepare(g)
    if problems:
        raise UnsupportedError(problems)
    return compile_prepared(prepared, source, model_hash, board=board, tuning=tuning, priority=priority,
                            max_arena=max_arena, imported=model_graph(g), measured=measured)


def model_graph(g: Graph) -> Graph:
    """The frontend's graph as the NumPy reference runs it: a copy with its constant parts
    evaluated once (fold_constants runs the same references; the kernels' references read their
    weights as constants, e.g. a QDQ model's dequantized weights), nothing else rewritten."""
    return dce(fold_constants(copy.deepcopy(g)))


def compile_prepared(g: Graph, source: Path, model_hash: str, *, board=None, tuning=None,
                     priority: str = "balanced", max_arena: int | None = None, imported: Graph | None = None,
                     measured: dict[int, dict[str, float]] | None = None) -> CompiledModel:
    """For a graph out of ``prepare``: plan the arena (which may reorder ops and run some in
    place, as the kernels every core has offer), then choose each op's kernel for the board's
    CPU features (or as the tuning record says) and add the scratch buffers those kernels need,
    as ``priority`` ("balanced", "speed", "ram"; aot/driver/choose.py) or ``max_arena`` (bytes)
    trades speed for RAM, with the CPU's cost model or ``measured`` per-op costs (`microaot tune`).
    No board: portable kernels. ``imported``: the graph before ``prepare`` (what runs check against)."""
    plan = plan_graph(g, offers=choose.offers(g))
    if plan.order is not None:
        g = reordered(g, plan.order)
    features = board.features if board is not None else ()
    cpu = board.cpu if board is not None else ""
    wanted = tuning.kernels_for(g, model_hash, board) if tuning else None
    if board is None:  # no board: the portable kernels (the reference C), as documented above
        wanted = {i: KernelChoice() for i in range(len(g.ops))}
    choice, plan = choose.select(g, plan, features, wanted, priority,
                                 cpu=cpu, free_ram=free_ram(board, plan.state_bytes), max_arena=max_arena, measured=measured,
                                 free_flash=free_flash(board, g))
    for what, size in (("arena", plan.arena_bytes), ("state area", plan.state_bytes)):
        if size > MAX_BYTES:
            raise ModelError(f"{g.name}: too large: the {what} needs {size:,} bytes; the C descriptors hold at most {MAX_BYTES:,}")
    return CompiledModel(g, plan, model_hash, source, choice.kernels, features, imported, choice.to_json())


def free_ram(board, state_bytes: int) -> int | None:
    """The board's RAM left for the arena: its RAM less the stack reserved at its end and the
    model's state area (None: no board, or no RAM size known)."""
    if board is None or board.ram_bytes is None:
        return None
    return board.ram_bytes - (board.stack_bytes or 0) - state_bytes


CODE_RESERVE = 64 * 1024  # flash kept for code, runtime and libc when options add flash


def free_flash(board, g: Graph) -> int | None:
    """The board's flash left beside the model's constant tensors and CODE_RESERVE (None: no
    board, or no flash size known): what kernel options that store weights wider may add."""
    if board is None or board.flash_bytes is None:
        return None
    return board.flash_bytes - CODE_RESERVE - sum(t.data.nbytes for t in g.tensors.values() if t.data is not None)


def compile_file(path: str | Path, *, board=None, tuning=None, priority: str = "balanced",
                 max_arena: int | None = None, measured: dict[int, dict[str, float]] | None = None) -> CompiledModel:
    """``board`` (aot.target.boards.Board) selects kernel variants; ``tuning`` an aot.driver.tune.TuningRecord;
    ``priority`` "balanced" (the default: the fastest modelled choice within 5% of the smallest arena),
    "speed", "ram", or ``max_arena`` bytes (aot/driver/choose.py); ``measured`` {op: {kernel key:
    instructions}} costs measured by `microaot tune`, used before the cost model."""
    path = Path(path)
    g = load_model(path)
    return compile_graph(g, path, hashlib.sha256(path.read_bytes()).hexdigest(), board=board, tuning=tuning,
                         priority=priority, max_arena=max_arena, measured=measured)


def tensor_meta(cm: CompiledModel, name: str) -> dict:
    t = cm.graph.tensor(name)
    return {
        "name": name, "shape": list(t.shape), "dtype": t.dtype,
        "quant": t.quant.to_json() if t.quant is not None else None,
        "offset": cm.plan.offset(name), "bytes": t.nbytes,
    }


def metadata(cm: CompiledModel, weights_bytes: int) -> dict:
    g = cm.graph
    return {
        "model": g.name, "source": cm.source.name, "sha256": cm.model_hash,
        "inputs": [tensor_meta(cm, n) for n in g.inputs], "outputs": [tensor_meta(cm, n) for n in g.outputs],
        "arena_bytes": cm.plan.arena_bytes, "arena_alignment": cm.plan.alignment, "planner": cm.plan.planner,
        "state_bytes": cm.plan.state_bytes,
        **largest_op_keys(cm.plan.largest_op_bytes), "weights_bytes": weights_bytes,
        "ops": len(g.ops), "macs": cm.macs,
        "operators": [{"index": i, "op": op.kind, "source": op.name, "macs": ops.get(op.kind).macs(op, g)} for i, op in enumerate(g.ops)],
    }


def emit(cm: CompiledModel, out_dir: Path, prefix: str = "model") -> dict:
    """Write the C sources, headers, metadata.json and memory.txt; return the metadata."""
    gen = generate(cm.graph, cm.plan, out_dir, prefix=prefix, model_hash=cm.model_hash, kernels=cm.variants)
    meta = {**metadata(cm, gen.weights_bytes), "descriptor": gen.descriptor}
    (out_dir / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
    (out_dir / "memory.txt").write_text(memory_table(cm.graph, cm.plan) + "\n")
    return meta
