from __future__ import annotations

from aot.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.ops.output_stage import output_stage_vars


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    g = ctx.graph
    n, k = g.t(op.inputs[1]).shape
    return {
        **output_stage_vars(index, op, ctx, n, product_in_float=True),
        "x": ctx.ptr(op.inputs[0]), "w": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "B": g.t(op.inputs[0]).size // k, "N": n, "K": k,
    }
