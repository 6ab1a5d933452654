from __future__ import annotations

from aot.core.ir import Op
from aot.ops.gather import blocks
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    b, o, a, n, i = blocks(op, ctx.graph)
    return {"x": ctx.ptr(op.inputs[0]), "idx": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
            "batches": b, "outer": o, "axis_n": a, "count": n, "inner": i, "wrap_negative": bool(op.attrs.get("wrap_negative"))}


KERNELS = (Kernel("portable", "ops/gather.c.j2", lower),)
