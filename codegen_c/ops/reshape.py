from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel, first_input


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x = ctx.graph.tensor(op.inputs[0])
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "size": x.size,
            "same": not x.is_const and not x.variable and ctx.plan.offset(op.inputs[0]) == ctx.plan.offset(op.outputs[0])}


KERNELS = (Kernel("portable", "ops/reshape.c.j2", lower, overwrites=first_input, view=True),)
