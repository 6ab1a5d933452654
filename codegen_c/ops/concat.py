from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def _outer(op: Op, g: Graph) -> int:
    return int(np.prod(g.tensor(op.outputs[0]).shape[:op.attrs["axis"]], dtype=np.int64))


def slices(op: Op, g: Graph) -> tuple[int | None, ...]:
    """With one outer block (the dims before the axis are all 1) each input is one contiguous
    run of the output: its producer may write it there."""
    if _outer(op, g) != 1:
        return ()
    starts = np.cumsum([0] + [g.tensor(n).nbytes for n in op.inputs[:-1]])
    return tuple(int(s) for s in starts)


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    y = g.tensor(op.outputs[0])
    axis = op.attrs["axis"]
    inner = int(np.prod(y.shape[axis + 1:], dtype=np.int64))
    placed = slices(op, g)
    parts = []
    for k, n in enumerate(op.inputs):
        here = bool(placed) and not g.tensor(n).is_const and not g.tensor(n).variable and ctx.plan.offset(n) == ctx.plan.offset(op.outputs[0]) + placed[k]
        parts.append({"x": ctx.ptr(n), "size": g.tensor(n).shape[axis] * inner, "placed": here})
    return {"y": ctx.ptr(op.outputs[0], writable=True), "outer": _outer(op, g), "parts": parts}


KERNELS = (Kernel("portable", "ops/concat.c.j2", lower, slices=slices),)
