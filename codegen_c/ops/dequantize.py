from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    x = ctx.graph.tensor(op.inputs[0])
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "size": x.size,
            "scale": repr(float(x.quant.tensor_scale)), "zp": x.quant.tensor_zero_point}
