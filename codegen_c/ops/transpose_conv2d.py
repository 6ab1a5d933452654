"""TRANSPOSE_CONV kernel (templates/ops/transpose_conv2d.c.j2): gathers instead of TFLM's scatter
(no int32 scratch the size of the output): each output element sums the taps whose input pixel
lands on it, (oy + crop_top - fy) divisible by the stride and inside the input."""
from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops.output_stage import output_stage_vars


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    (n, h, w, ic), (oc, kh, kw, _) = g.tensor(op.inputs[0]).shape, g.tensor(op.inputs[1]).shape
    _, oh, ow, _ = g.tensor(op.outputs[0]).shape
    return {
        **output_stage_vars(index, op, ctx),
        "x": ctx.ptr(op.inputs[0]), "w": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "N": n, "H": h, "W": w, "IC": ic, "OC": oc, "KH": kh, "KW": kw, "OH": oh, "OW": ow,
        "SH": op.attrs["stride"][0], "SW": op.attrs["stride"][1], "PT": op.attrs["crop"][0], "PL": op.attrs["crop"][1],
    }


KERNELS = (Kernel("portable", "ops/transpose_conv2d.c.j2", lower),)
