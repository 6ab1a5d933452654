from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops.add import broadcast_vars

# The C expression of each aot.ops.binary function of `u` and `v` (floats).
EXPRESSIONS = {
    "sub": "u - v",
    "mul": "u * v",
    "div": "u / v",
    "max": "u > v ? u : v",
    "min": "u < v ? u : v",
    "pow": "powf(u, v)",
}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    return {**broadcast_vars(op, ctx), "expr": EXPRESSIONS[op.attrs["fn"]]}


KERNELS = (Kernel("portable", "ops/binary.c.j2", lower),)
