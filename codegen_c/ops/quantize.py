from __future__ import annotations

import numpy as np

from aot.core.ir import Op
from aot.ops import quantize
from codegen_c.cfmt import c_float, c_int, ctype
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    v = {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "size": x.size,
         "from_float": x.dtype == "float32", "YT": ctype(y.dtype), "out_zp": y.quant.tensor_zero_point,
         "qmin": c_int(np.iinfo(y.np_dtype).min), "qmax": int(np.iinfo(y.np_dtype).max)}
    if x.dtype == "float32":
        v["scale"] = c_float(y.quant.tensor_scale)
    else:
        v["in_zp"] = x.quant.tensor_zero_point
        v["mult"], v["shift"] = quantize.requant_params(op, g)
    return v


KERNELS = (Kernel("portable", "ops/quantize.c.j2", lower),)
