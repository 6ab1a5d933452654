from __future__ import annotations

import numpy as np

from aot.core.ir import Op
from aot.ops import cumsum
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel, first_input


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    axis = op.attrs["axis"]
    v = {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
         "inner": int(np.prod(x.shape[:axis], dtype=np.int64)), "depth": x.shape[axis],
         "outer": int(np.prod(x.shape[axis + 1:], dtype=np.int64)),
         "exclusive": bool(op.attrs["exclusive"]), "reverse": bool(op.attrs["reverse"]), "quantized": x.dtype == "int8"}
    if x.dtype == "int8":
        (v["in_mult"], in_shift), (v["out_mult"], out_shift) = cumsum.int8_params(op, g)
        v.update(in_rshift=-in_shift, out_rshift=-out_shift, in_zp=x.quant.tensor_zero_point,
                 out_zp=y.quant.tensor_zero_point, left_shift=cumsum.LEFT_SHIFT)
    return v


KERNELS = (Kernel("portable", "ops/cumsum.c.j2", lower, overwrites=first_input),)
