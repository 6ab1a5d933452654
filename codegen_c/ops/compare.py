from __future__ import annotations

from aot.core.ir import Op
from aot.ops import compare
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops.add import broadcast_vars, same_shape_inputs

# The C operator of each aot.ops.compare function.
OPERATORS = {"equal": "==", "not_equal": "!=", "less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">="}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    quantized = g.tensor(op.inputs[0]).dtype == "int8"
    return {**broadcast_vars(op, ctx), "cmp": OPERATORS[op.attrs["fn"]], "quantized": quantized,
            "p": compare.params(op, g) if quantized else None}


KERNELS = (Kernel("portable", "ops/compare.c.j2", lower, overwrites=same_shape_inputs),)
