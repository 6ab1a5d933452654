from __future__ import annotations

from aot.core.ir import Op
from aot.ops.dequantize import single_precision_exact
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x = ctx.graph.tensor(op.inputs[0])
    scale, zp = x.quant.tensor_scale, x.quant.tensor_zero_point
    single = single_precision_exact(scale, zp, x.dtype)
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "size": x.size,
            "scale": c_float(scale) if single else repr(float(scale)), "zp": zp, "single": single}


KERNELS = (Kernel("portable", "ops/dequantize.c.j2", lower),)
