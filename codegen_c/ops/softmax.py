from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import softmax
from codegen_c.cfmt import c_float, ctype
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel, first_input


def row_vars(op: Op, ctx: LoweringContext) -> dict:
    """Pointers and row geometry of an op over the last axis (softmax, log_softmax)."""
    x = ctx.graph.tensor(op.inputs[0])
    depth = x.shape[-1]
    return {"quantized": x.dtype == "int8", "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
            "rows": x.size // depth, "depth": depth}


def exp_vars(p: softmax.SoftmaxParams) -> dict:
    """The constants of templates/ops/softmax_rows.j2 (int8)."""
    return {"mult": p.input_multiplier, "left_shift": p.input_left_shift, "diff_min": p.diff_min,
            "acc_bits": softmax.ACCUMULATION_INTEGER_BITS, "diff_bits": softmax.SCALED_DIFF_INTEGER_BITS}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    v = row_vars(op, ctx)
    if v["quantized"]:
        y = ctx.graph.tensor(op.outputs[0])
        info = np.iinfo(y.np_dtype)  # int8, or int16 (int8 -> int16)
        v.update(exp_vars(softmax.params(op, ctx.graph)), YT=ctype(y.dtype), out_bits=info.bits, out_min=int(info.min),
                 out_max=int(info.max))
    else:
        v["beta"] = c_float(op.attrs.get("beta", 1.0))
    return v


def same_type_in_place(op: Op, g: Graph) -> tuple[int, ...]:
    """In place over the input when the output has its type (an int16 output is wider than int8)."""
    return first_input(op, g) if g.tensor(op.inputs[0]).dtype == g.tensor(op.outputs[0]).dtype else ()


KERNELS = (Kernel("portable", "ops/softmax.c.j2", lower, overwrites=same_type_in_place),)
