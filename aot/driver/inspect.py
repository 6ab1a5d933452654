"""`microaot inspect`: operators, tensors, quantisation, the memory plan, unsupported operators."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from aot import ops
from aot.core.errors import UnsupportedError
from aot.core.ir import Graph
from aot.driver.compiler import CompiledModel, compile_prepared, prepare
from aot.driver.plot import check_plot_path, write_plot
from aot.driver.report import largest_op_keys
from aot.driver.runner import build_firmware
from aot.frontends import read_model
from aot.frontends.model_checks import check_model
from aot.frontends.validate import op_problems
from aot.planner import Plan
from aot.target.boards import Board


@dataclass
class Inspection:
    """A model as far as it compiles: ``graph`` is the compiled one (after the passes, in plan
    order) when there are no ``problems``; else the imported graph, or the optimized one if the
    ops' checks failed (``compiled`` is None then)."""
    model: str | Path                            # the model file, as given
    graph: Graph
    problems: list[tuple[str, str, str]]         # (location, operator, reason)
    compiled: CompiledModel | None
    memory: dict | None = None                   # memory_report(), when asked for

    @property
    def plan(self) -> Plan | None:
        return self.compiled.plan if self.compiled else None

    def ops(self) -> list[dict]:
        g = self.graph
        consistent = not check_model(g)  # else an op's MACs may not be computable
        out = []
        for i, op in enumerate(g.ops):
            supported = op.kind != "unsupported"
            out.append({
                "index": i, "op": op.kind if supported else op.attrs["op"], "source": op.name,
                "inputs": [n for n in op.inputs if n is not None], "outputs": op.outputs,
                "macs": ops.get(op.kind).macs(op, g) if supported and consistent and not op_problems(op, g) else None, "supported": supported,
                "kernel": self.compiled.variants[i].key if self.compiled else None,
            })
        return out

    def to_json(self) -> dict:
        """`microaot inspect --json`'s object."""
        g, plan = self.graph, self.plan
        tensors = [{"name": n, "dtype": t.dtype, "shape": list(t.shape), "const": t.is_const, "variable": t.variable, "bytes": t.nbytes,
                    "quant": t.quant.to_json() if t.quant is not None else None} for n, t in g.tensors.items()]
        result = {
            "model": str(self.model), "inputs": g.inputs, "outputs": g.outputs, "ops": self.ops(), "tensors": tensors,
            "unsupported": [{"location": loc, "op": op, "reason": why} for loc, op, why in self.problems],
            "arena_bytes": plan.arena_bytes if plan else None, "state_bytes": plan.state_bytes if plan else None,
            **largest_op_keys(plan.largest_op_bytes if plan else None),
            "plan": [{"name": b.name, "offset": plan.offsets[b.name], "bytes": b.size, "first": b.first, "last": b.last}
                     for b in plan.buffers] if plan else None,
        }
        if self.memory is not None:
            result["memory"] = self.memory
        return result


def memory_report(cm: CompiledModel, board: Board, plot: Path | str | None = None) -> dict:
    """Build the firmware for the board to split flash into code and weights and bound the stack;
    ``plot`` (.svg, .png) also draws the arena over time."""
    fw = build_firmware(cm, board)
    b = fw.build
    weights = fw.meta["weights_bytes"]
    if plot:
        write_plot(cm.plan, plot, cm.graph.name, [op.kind for op in cm.graph.ops])
    return {
        "board": board.name, "arena_bytes": cm.plan.arena_bytes, **largest_op_keys(cm.plan.largest_op_bytes),
        "flash_bytes": b.flash_bytes, "weights_bytes": weights, "code_bytes": b.flash_bytes - weights,
        "text": b.text, "rodata": b.rodata, "data": b.data, "bss": b.bss, "ram_bytes": b.ram_bytes,
        "stack_bytes": b.stack.bytes, "stack_complete": b.stack.complete, "stack_notes": b.stack.notes, "in_place": sorted(cm.plan.in_place),
        "plot": None if plot is None else str(plot),
    }


def inspect_model(model: str | Path, *, memory_board: Board | None = None,
                  plot: Path | str | None = None) -> Inspection:
    """Import, optimize, check and plan ``model`` as far as it goes (portable kernels). With
    ``memory_board`` it compiles with that board's kernels and adds its memory report
    (memory_report; the model must compile: else UnsupportedError)."""
    if plot:
        check_plot_path(plot)  # before the build: an unknown extension, a .png without matplotlib
    g, problems = read_model(model)
    cm = None
    if not problems:
        g, problems = prepare(g)
    if not problems:
        cm = compile_prepared(g, Path(model), hashlib.sha256(Path(model).read_bytes()).hexdigest(), board=memory_board)
        g = cm.graph
    result = Inspection(model, g, problems, cm)
    if memory_board is not None:
        if cm is None:
            raise UnsupportedError(problems)
        result.memory = memory_report(cm, memory_board, plot)
    return result
