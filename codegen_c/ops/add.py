from __future__ import annotations

import numpy as np

from aot import quant
from aot.ir import Op
from aot.ops import add
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.nd import affine, broadcast_strides


def broadcast_vars(op: Op, ctx: LoweringContext) -> dict:
    """Pointers and index expressions of a two-input broadcasting op (add, binary)."""
    g = ctx.graph
    a, b, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    assert np.broadcast_shapes(a.shape, b.shape) == y.shape
    return {
        "a": ctx.ptr(op.inputs[0]), "b": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "size": y.size, "same_shape": a.shape == b.shape == y.shape, "dims": list(y.shape),
        "ia": affine(broadcast_strides(a.shape, y.shape)), "ib": affine(broadcast_strides(b.shape, y.shape)),
    }


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    g = ctx.graph
    a = g.t(op.inputs[0])
    v = {**broadcast_vars(op, ctx), "quantized": a.dtype != "float32", "left_shift": add.LEFT_SHIFT}
    if a.dtype == "float32":
        lo, hi = quant.activation_range(op.attrs.get("activation", "NONE"), "float32", None, 0)
        v.update(act_min=c_float(lo), act_max=c_float(hi))
    else:
        v["p"] = add.params(op, g)
    return v
