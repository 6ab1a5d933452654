from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    x = ctx.graph.tensor(op.inputs[0])
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "size": x.size,
            "same": not x.is_const and ctx.plan.offset(op.inputs[0]) == ctx.plan.offset(op.outputs[0])}
