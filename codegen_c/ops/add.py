from __future__ import annotations

import numpy as np

from aot import quant
from aot.ir import Op
from aot.ops import add
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext

RANK = 4


def broadcast_strides(shape: tuple[int, ...], out: tuple[int, ...]) -> list[int]:
    """Element strides of `shape` read as `out` (0 along broadcast axes), padded to RANK."""
    shape = (1,) * (RANK - len(shape)) + tuple(shape)
    strides, step = [], 1
    for d in reversed(shape):
        strides.append(step if d > 1 else 0)
        step *= d
    return list(reversed(strides))


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    g = ctx.graph
    a, b, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    out = (1,) * (RANK - len(y.shape)) + tuple(y.shape)
    v = {
        "quantized": a.dtype != "float32", "a": ctx.ptr(op.inputs[0]), "b": ctx.ptr(op.inputs[1]),
        "y": ctx.ptr(op.outputs[0], writable=True), "size": y.size,
        "same_shape": a.shape == b.shape == y.shape, "dims": out,
        "sa": broadcast_strides(a.shape, out), "sb": broadcast_strides(b.shape, out),
        "left_shift": add.LEFT_SHIFT,
    }
    if a.dtype == "float32":
        lo, hi = quant.activation_range(op.attrs.get("activation", "NONE"), "float32", None, 0)
        v.update(act_min=c_float(lo), act_max=c_float(hi))
    else:
        v["p"] = add.params(op, g)
    assert len(y.shape) <= RANK and np.broadcast_shapes(a.shape, b.shape) == y.shape
    return v
