from __future__ import annotations

import numpy as np

from aot.core.ir import Op
from aot.ops import lut16, softmax
from codegen_c.cfmt import c_float, ctype
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel, first_input


def row_vars(op: Op, ctx: LoweringContext) -> dict:
    """Pointers and row geometry of an op over the last axis (softmax, log_softmax)."""
    x = ctx.graph.tensor(op.inputs[0])
    depth = x.shape[-1]
    return {"quantized": x.dtype != "float32", "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
            "rows": x.size // depth, "depth": depth}


def exp_vars(p: softmax.SoftmaxParams) -> dict:
    """The constants of templates/ops/softmax_rows.j2 (int8)."""
    return {"mult": p.input_multiplier, "left_shift": p.input_left_shift, "diff_min": p.diff_min,
            "acc_bits": softmax.ACCUMULATION_INTEGER_BITS, "diff_bits": softmax.SCALED_DIFF_INTEGER_BITS}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    v = row_vars(op, ctx)
    x, y = (ctx.graph.tensor(n) for n in (op.inputs[0], op.outputs[0]))
    if x.dtype == "int16":  # the tables are the same for every int16 softmax: one copy in the model
        v["mult"], v["shift"] = softmax.int16_params(op, ctx.graph)
        v["exp_lut"] = ctx.weight("softmax_int16.exp_lut", lut16.softmax_exp_lut(), "int16")
        v["reciprocal_lut"] = ctx.weight("softmax_int16.reciprocal_lut", lut16.softmax_reciprocal_lut(), "int16")
    elif v["quantized"]:
        info = np.iinfo(y.np_dtype)
        v.update(exp_vars(softmax.params(op, ctx.graph)), OT=ctype(y.dtype), out_bits=info.bits, qmin=int(info.min), qmax=int(info.max))
    else:
        v["beta"] = c_float(op.attrs.get("beta", 1.0))
    return v


def _same_width(op: Op, g) -> tuple[int, ...]:
    """In place over the input unless the output is wider (int8 -> int16)."""
    x, y = (g.tensor(n) for n in (op.inputs[0], op.outputs[0]))
    return first_input(op, g) if x.np_dtype.itemsize == y.np_dtype.itemsize else ()


KERNELS = (Kernel("portable", "ops/softmax.c.j2", lower, overwrites=_same_width),)
