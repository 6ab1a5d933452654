from __future__ import annotations

from aot.core.ir import Graph, Op
from aot.ops import compare
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops.add import broadcast_vars

# The C operator of each aot.ops.compare function.
OPERATORS = {"equal": "==", "not_equal": "!=", "less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">="}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    quantized = g.tensor(op.inputs[0]).dtype == "int8"
    return {**broadcast_vars(op, ctx), "cmp": OPERATORS[op.attrs["fn"]], "quantized": quantized,
            "p": compare.params(op, g) if quantized else None}


def byte_inputs(op: Op, g: Graph) -> tuple[int, ...]:
    """The inputs of the output's shape and one byte an element (int8, bool): element i of both
    is read before element i of the output is written."""
    y = g.tensor(op.outputs[0])
    return tuple(k for k in (0, 1) if g.tensor(op.inputs[k]).shape == y.shape and g.tensor(op.inputs[k]).dtype in ("int8", "bool"))


KERNELS = (Kernel("portable", "ops/compare.c.j2", lower, overwrites=byte_inputs),)
