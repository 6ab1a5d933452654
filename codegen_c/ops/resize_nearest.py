"""RESIZE_NEAREST_NEIGHBOR kernel (templates/ops/resize_nearest.c.j2): the source offsets of the
output's rows and columns baked in as tables; each output pixel copies one input pixel's channels."""
from __future__ import annotations

from aot.core.ir import Op
from aot.ops import resize_nearest
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    (n, h, w, c), (_, oh, ow, _) = ctx.graph.tensor(op.inputs[0]).shape, ctx.graph.tensor(op.outputs[0]).shape
    rows, cols = resize_nearest.tables(op, ctx.graph)
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
            "N": n, "OH": oh, "OW": ow, "C": c, "HWC": h * w * c,
            "rows": ctx.derived(index, "rows", rows * w * c, "int32"),
            "cols": ctx.derived(index, "cols", cols * c, "int32")}


KERNELS = (Kernel("portable", "ops/resize_nearest.c.j2", lower),)
