"""RESIZE_BILINEAR kernel (templates/ops/resize_bilinear.c.j2): the two source rows and columns of
every output row and column and their weights baked in as tables (aot/ops/resize_bilinear.py);
int8 sums in int32 (|sum| <= 128 * 2048 * 2048) and rounds as ResizeBilinearInteger."""
from __future__ import annotations

from aot.core.ir import Op
from aot.ops import resize_bilinear
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    (n, h, w, c), (_, oh, ow, _) = g.tensor(op.inputs[0]).shape, g.tensor(op.outputs[0]).shape
    (y0, y1, fy), (x0, x1, fx) = resize_bilinear.tables(op, g)
    quantized = g.tensor(op.inputs[0]).dtype == "int8"
    wtype = "int32" if quantized else "float32"
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "quantized": quantized,
            "N": n, "OH": oh, "OW": ow, "C": c, "HWC": h * w * c, "ONE": resize_bilinear.ONE,
            "y0": ctx.derived(index, "y0", y0 * w * c, "int32"), "y1": ctx.derived(index, "y1", y1 * w * c, "int32"),
            "x0": ctx.derived(index, "x0", x0 * c, "int32"), "x1": ctx.derived(index, "x1", x1 * c, "int32"),
            "fy": ctx.derived(index, "fy", fy, wtype), "fx": ctx.derived(index, "fx", fx, wtype)}


KERNELS = (Kernel("portable", "ops/resize_bilinear.c.j2", lower),)
