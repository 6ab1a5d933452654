"""ADD for cores with Helium (add_mve.c.j2, aot_mve_add_sum / aot_mve_add_mm in aot_mve.h): same-shape
int8 inputs whose constants fold as the DSP add's "sum" (a table of the whole add indexed by
a + b: 8 elements per gather) or "mm" (acc = table[a] + (b << k), then SMMLA's arithmetic as
VMULH + c: 4 elements per vector); the folds are codegen_c/ops/add.py's (dsp_add), checked there
over every input pair. Element i is read before element i is written (in place as the DSP add)."""
from __future__ import annotations

from collections.abc import Callable

from aot.core.ir import Graph, Op
from aot.ops import add
from codegen_c import mve
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel

MVE_MODES = ("sum", "mm")


def mve_kernels(dsp_applies: Callable, dsp_add: Callable, overwrites: Callable) -> tuple[Kernel, ...]:
    """The kernel, on codegen_c/ops/add.py's folds (``dsp_applies``, ``dsp_add``) and in-place
    promise (``overwrites``)."""

    def fold(op: Op, g: Graph):
        return dsp_add(op, g) if dsp_applies(op, g) else None

    def applies(op: Op, g: Graph) -> bool:
        d = fold(op, g)
        return d is not None and d.mode in MVE_MODES

    def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
        g = ctx.graph
        d = fold(op, g)
        a, b = ctx.ptr(op.inputs[0]), ctx.ptr(op.inputs[1])
        if d.swap:
            a, b = b, a
        v = {"a": a, "b": b, "y": ctx.ptr(op.outputs[0], writable=True), "size": g.tensor(op.outputs[0]).size,
             "mode": d.mode, "table": ctx.derived(index, "add_table", d.table, "int8" if d.mode == "sum" else "int32")}
        if d.mode == "mm":
            p = add.params(op, g)
            v.update(bmul=1 << d.bshift, m=d.rq[0], c=d.rq[1], sh=d.rq[2], lo=p.act_min, hi=p.act_max)
        return v

    return (Kernel("mve", "ops/add_mve.c.j2", lower, features=mve.MVE, runtime=mve.RUNTIME, applies=applies,
                   overwrites=overwrites),)
