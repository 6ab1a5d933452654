"""ASSIGN_VARIABLE: a copy into the state area (templates/ops/reshape.c.j2)."""
from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    return {"x": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.inputs[0], writable=True),
            "size": ctx.graph.tensor(op.inputs[0]).size, "same": False}


KERNELS = (Kernel("portable", "ops/reshape.c.j2", lower),)
