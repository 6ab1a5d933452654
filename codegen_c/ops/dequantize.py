from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x = ctx.graph.tensor(op.inputs[0])
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "size": x.size,
            "scale": repr(float(x.quant.tensor_scale)), "zp": x.quant.tensor_zero_point}


KERNELS = (Kernel("portable", "ops/dequantize.c.j2", lower),)
