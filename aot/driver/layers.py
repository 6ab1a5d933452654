"""`microaot inspect --layers`: one row per operator, as `stm32ai analyze` gives it — shapes, MACs,
weight bytes, the activation bytes live while it runs, its scratch, its kernel, and with a board
the instructions (QEMU) or cycles the per-operator profiler measured, and the flash each op's
function and constant arrays take in the firmware (its ELF symbols)."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from aot import ops
from aot.core.text import short
from aot.driver.compiler import CompiledModel
from aot.driver.inputs import random_inputs
from aot.driver.report import table
from aot.driver.runner import run_on_board
from aot.planner.plan import SCRATCH
from aot.target.boards import Board
from codegen_c.generate import generate


@dataclass
class LayerReport:
    model: str
    layers: list[dict]
    totals: dict
    board: str | None = None
    counter_unit: str | None = None  # "instructions" (QEMU), "cycles" (board), "ns" (host); None without a board

    def to_json(self) -> dict:
        """`microaot inspect --layers --json`'s object (keys in docs/cli.md)."""
        return {"model": self.model, "board": self.board, "counter_unit": self.counter_unit,
                "layers": self.layers, "totals": self.totals}

    def text(self) -> str:
        unit = self.counter_unit
        headers = ["#", "op", "source", "kernel", "inputs", "output", "MACs", "weights B", "live B", "scratch B"]
        rows = [[e["index"], e["op"], short(e["source"], 24), e["kernel"],
                 " ".join(_shape_text(t["shape"]) for t in e["inputs"]),
                 " ".join(f"{short(t['name'], 24)} {_shape_text(t['shape'])}" for t in e["outputs"]),
                 f"{e['macs']:,}", f"{e['weights_bytes']:,}", f"{e['activation_bytes']:,}", f"{e['scratch_bytes']:,}"]
                for e in self.layers]
        t = self.totals
        total = ["", "total", f"{t['ops']} ops", "", "", "", f"{t['macs']:,}", f"{t['weights_bytes']:,}",
                 f"peak {t['peak_live_bytes']:,}", f"max {t['scratch_bytes']:,}"]
        if unit:
            headers += [unit, "share", "code B", "const B"]
            for row, e in zip(rows, self.layers):
                row += [f"{e[unit]:,}", f"{100 * e['share']:.1f}%",
                        "inline" if e["code_bytes"] is None else f"{e['code_bytes']:,}", f"{e['const_bytes']:,}"]
            total += [f"{t[unit]:,}", "100.0%", f"{t['code_bytes']:,}", f"{t['const_bytes']:,}"]
        lines = [table(headers, rows + [total], "rlllll" + "r" * (len(headers) - 6)),
                 f"arena {t['arena_bytes']:,} B (live B: the arena bytes in use while the op runs, "
                 f"its scratch included); weights {t['weights_bytes']:,} B"
                 + (f"; state {t['state_bytes']:,} B (kept across inferences)" if t["state_bytes"] else "")]
        if unit:
            lines.append(f"{self.board}: {t['inference']:,} {unit} per inference, "
                         f"{t[unit]:,} in operators (profiled build)")
            lines.append(f"flash {t['flash_bytes']:,} B = operator functions {t['code_bytes']:,} B + constant arrays "
                         f"{t['const_bytes']:,} B + the rest {t['other_flash_bytes']:,} B (run function, shared "
                         "kernels, runtime, RPC server; 'inline': the op calls a shared kernel)")
        return "\n".join(lines)


def _shape_text(shape: list[int]) -> str:
    return "x".join(map(str, shape)) or "scalar"


def layer_report(cm: CompiledModel, model: str | Path, board: Board | None = None, seed: int = 0) -> LayerReport:
    """The per-operator report of a compiled model. Weight bytes are the constant arrays each
    op's lowering emits (its weights and the constants derived from them; an array two ops share
    counts at its first), so they sum to `compile`'s weights_bytes. With ``board`` the model runs
    once on random inputs (``seed``) under the per-operator profiler (as `microaot profile`)."""
    g, plan = cm.graph, cm.plan
    with tempfile.TemporaryDirectory() as tmp:
        gen = generate(g, plan, Path(tmp), model_hash=cm.model_hash, kernels=cm.variants)
    scratch = plan.scratch()
    live = [b for b in plan.buffers if not b.name.startswith(SCRATCH)]
    layers = []
    for i, op in enumerate(g.ops):
        layers.append({
            "index": i, "op": op.kind, "source": op.name, "kernel": cm.variants[i].key,
            "inputs": [_tensor(g, n) for n in op.inputs if n is not None and not g.tensor(n).is_const],
            "outputs": [_tensor(g, n) for n in op.outputs],
            "macs": ops.get(op.kind).macs(op, g),
            "weights_bytes": sum(c.nbytes for c in gen.op_consts[i]),
            "weights": [c.ident for c in gen.op_consts[i]],
            "activation_bytes": sum(b.bytes_at(i) for b in live if b.first <= i <= b.last) + scratch.get(i, 0),
            "scratch_bytes": scratch.get(i, 0),
        })
    totals = {
        "ops": len(layers), "macs": sum(e["macs"] for e in layers), "weights_bytes": gen.weights_bytes,
        "arena_bytes": plan.arena_bytes, "state_bytes": plan.state_bytes, "peak_live_bytes": max((e["activation_bytes"] for e in layers), default=0),
        "scratch_bytes": max(scratch.values(), default=0),
    }
    report = LayerReport(str(model), layers, totals)
    if board is not None:
        r = run_on_board(cm, board, random_inputs(g, seed), profile=True)
        unit = r.counter_unit
        whole = sum(r.profile) or 1
        for e, count in zip(layers, r.profile):
            e[unit] = count
            e["share"] = round(count / whole, 4)
        totals[unit] = sum(r.profile)
        totals["inference"] = r.counter
        report.board, report.counter_unit = board.name, unit
        _flash_split(g, layers, totals, r.firmware.build.executable, r.firmware.build.flash_bytes)
    return report


def _flash_split(g, layers: list[dict], totals: dict, elf: Path, flash_bytes: int) -> None:
    """Each op's ``code_bytes`` (its function opN_kind; None when its kernel is a call into a
    shared runtime function, e.g. aot_dsp.c's, inlined into the run function; the first of ops
    that share their code, codegen_c/share.py, counts the shared function) and
    ``const_bytes`` (its constant arrays) from the symbol table of the built firmware;
    the totals add the rest of the flash (runtime, shared kernels, RPC server)."""
    sizes = _symbol_sizes(elf)
    for e, op in zip(layers, g.ops):
        fn = f"op{e['index']}_{op.kind}"
        e["code_bytes"] = sizes.get(fn)
        if f"{fn}_shared" in sizes:
            e["code_bytes"] = (e["code_bytes"] or 0) + sizes[f"{fn}_shared"]
        e["const_bytes"] = sum(sizes.get(w, 0) for w in e["weights"])
    totals["code_bytes"] = sum(e["code_bytes"] or 0 for e in layers)
    totals["const_bytes"] = sum(e["const_bytes"] for e in layers)
    totals["flash_bytes"] = flash_bytes
    totals["other_flash_bytes"] = flash_bytes - totals["code_bytes"] - totals["const_bytes"]


def _symbol_sizes(elf: Path) -> dict[str, int]:
    """{name: bytes} of the ELF's function and data symbols."""
    with open(elf, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        if symtab is None:  # a stripped executable
            return {}
        return {s.name: s["st_size"] for s in symtab.iter_symbols()
                if s["st_info"]["type"] in ("STT_FUNC", "STT_OBJECT") and s["st_size"]}


def _tensor(g, name: str) -> dict:
    t = g.tensor(name)
    return {"name": name, "shape": list(t.shape), "dtype": t.dtype, "bytes": t.nbytes}
