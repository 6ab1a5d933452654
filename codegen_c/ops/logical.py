from __future__ import annotations

from aot.core.ir import Graph, Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel, first_input
from codegen_c.ops.add import broadcast_vars, same_shape_inputs

# The C expression of each aot.ops.logical function of `u` (and `v`), bytes 0 or 1.
EXPRESSIONS = {"and": "u & v", "or": "u | v", "not": "u ^ 1u"}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    fn = op.attrs["fn"]
    if fn == "not":
        return {"unary": True, "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
                "size": ctx.graph.tensor(op.outputs[0]).size, "expr": EXPRESSIONS[fn]}
    return {**broadcast_vars(op, ctx), "unary": False, "expr": EXPRESSIONS[fn]}


def overwrites(op: Op, g: Graph) -> tuple[int, ...]:
    """not: its input (element i read before it is written); and / or: the same-shape inputs."""
    return first_input(op, g) if op.attrs["fn"] == "not" else same_shape_inputs(op, g)


KERNELS = (Kernel("portable", "ops/logical.c.j2", lower, overwrites=overwrites),)
