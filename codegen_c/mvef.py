"""float32 CONV_2D and DEPTHWISE_CONV_2D for cores with Helium's float lanes (MVE-F: the boards
with both "mve" and "fpu", the Cortex-M55 built with -mcpu=cortex-m55 -mfloat-abi=hard): one
shared runtime function per family (runtime_c aot_mvef.h / aot_mvef.c: aot_mvef_conv,
aot_mvef_dw), each op a static const geometry (templates/ops/conv2d_mvef.c.j2). Tiles of 4
output channels (a vector) x 4 output pixels; a conv tap is one VFMA.F32 of 4 channels' weights
by a pixel's input value (weights pre-arranged [oc / 4][ky][kx][ic][4], zeros past oc; a 1x1
stride-1 convolution is one row of all pixels and may run in place over its input), a
depthwise tap one VFMA.F32 of 4 input channels by their weights; channel counts not a multiple of
4 end in a predicated block (VCTP32); a depthwise one may run in place over its input, a block
of channels at a time, holding back the outputs in a ring of rows (dw_ring_rows). The kernels are declared in codegen_c/ops/conv2d_mve.py and
depthwise_conv2d_mve.py.

Rounding: each lane is one output's fused multiply-add chain (one rounding per tap) in the
portable kernel's order (bias first, then ky, kx, ic), as the fpu kernels' fmaf chains: each
output is within (K + 1) * 2^-24 * (|bias| + sum |x * w|) of the exact sum, the bound
codegen_c/fpu.py states (tests/ops/test_mve_variants.py checks it on qemu-mps3-an547)."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops import conv_common
from codegen_c import fpu, mve
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext

MVEF = mve.MVE | fpu.FPU  # Helium with float lanes (MVE-F)
RUNTIME = ("aot_mvef.h", "aot_mvef.c")
LANES = 4  # float32 lanes of a vector
CONV_PX = 3  # output pixels per conv tile (aot_mvef.c AOT_MVEF_CONV_PX)


def conv_in_place(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 for a 1x1 stride-1 unpadded convolution (aot_mvef_conv_in_place: each tile's input
    pixels copied to the stack before its outputs are written)."""
    return fpu.conv_in_place(op, g)


def weight_blocks(w: np.ndarray) -> np.ndarray:
    """OHWI float32 weights -> [OC / 4 blocks][KH][KW][IC][4], zero channels to a multiple of 4."""
    oc = w.shape[0]
    padded = np.zeros((mve.round_up(oc, LANES), *w.shape[1:]), dtype=np.float32)
    padded[:oc] = w
    return padded.reshape(-1, LANES, *w.shape[1:]).transpose(0, 2, 3, 4, 1).reshape(-1)


def _vars(index: int, op: Op, ctx: LoweringContext, w_shape: tuple[int, ...], weights: str, func: str) -> dict:
    g = ctx.graph
    n, h, wd, _ = g.tensor(op.inputs[0]).shape
    _, oh, ow, oc = g.tensor(op.outputs[0]).shape
    bias = np.zeros(mve.round_up(oc, LANES), dtype=np.float32)
    bias[:oc] = conv_common.bias_of(op, g, oc, np.float32)
    lo, hi = quant.activation_range(op.attrs.get("activation", "NONE"), "float32", None, 0)
    geo = mve.window(op, g)
    if op.kind == "conv2d" and fpu.pointwise(op, g):  # a matrix multiply over all pixels: one row of them
        geo.update(N=1, H=1, W=n * h * wd, OH=1, OW=n * oh * ow)
    return {
        **geo, "OC": oc, "KH": w_shape[1], "KW": w_shape[2], "lo": c_float(lo), "hi": c_float(hi),
        "wt": weights, "bias_v": ctx.derived(index, "bias_mvef", bias, "float32"), "func": func, "toff": "NULL",
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
    }


def lower_conv(index: int, op: Op, ctx: LoweringContext, knobs: dict, weights: np.ndarray | None = None) -> dict:
    w = np.asarray(ctx.graph.tensor(op.inputs[1]).data if weights is None else weights, dtype=np.float32)
    v = _vars(index, op, ctx, w.shape, ctx.derived(index, "w_mvef", weight_blocks(w), "float32"), "conv")
    in_place = index in ctx.plan.in_place
    cpx = CONV_PX if CONV_PX * v["IC"] * 4 <= fpu.IN_PLACE_COPY_LIMIT else 1
    return {**v, "in_place": in_place, "CPX": cpx}


def depthwise_applies(op: Op, g: Graph) -> bool:
    """float32, depth multiplier 1, or one input channel (a convolution)."""
    return fpu.depthwise_applies(op, g)


def dw_ring_rows(op: Op, g: Graph) -> int:
    """Output rows the depthwise kernel run in place holds in its ring (aot_mvef_dw_in_place):
    after output row oy, the outputs before the first input pixel row oy + 1 reads are stored;
    the ring holds the rest and the next row."""
    _, h, wd, _ = g.tensor(op.inputs[0]).shape
    _, oh, ow, _ = g.tensor(op.outputs[0]).shape
    (sh, _), (pt, _) = op.attrs["stride"], op.attrs["pad"][:2]
    rows, done = 1, 0
    for oy in range(oh):
        rows = max(rows, oy - done // ow + 1)  # rows done // ow .. oy are in the ring
        done = max(done, min((oy + 1) * ow, max(0, (oy + 1) * sh - pt) * wd if oy + 1 < oh else oh * ow))
    return rows


def dw_in_place(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 for one image, depth multiplier 1 (not one channel: a convolution), when the ring
    fits DELAY_LIMIT (as the fpu kernel's)."""
    n, _, _, c = g.tensor(op.inputs[0]).shape
    if n != 1 or c == 1 or op.attrs["depth_multiplier"] != 1 or not depthwise_applies(op, g):
        return ()
    return (0,) if dw_ring_rows(op, g) * g.tensor(op.outputs[0]).shape[2] * LANES * 4 <= fpu.DELAY_LIMIT else ()


def lower_depthwise(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    """Depth multiplier 1: the model's [1, KH, KW, C] weights as they are; one input channel: a
    convolution of the transposed weights."""
    w = ctx.graph.tensor(op.inputs[1]).data
    if ctx.graph.tensor(op.inputs[0]).shape[3] == 1:
        return lower_conv(index, op, ctx, knobs, weights=np.transpose(w, (3, 1, 2, 0)))
    in_place = index in ctx.plan.in_place
    v = _vars(index, op, ctx, w.shape, ctx.ptr(op.inputs[1]), "dw")
    ky, kx = np.meshgrid(np.arange(v["KH"]), np.arange(v["KW"]), indexing="ij")
    toff = ((ky * v["DH"] * v["W"] + kx * v["DW"]) * v["IC"]).reshape(-1)
    return {**v, "toff": ctx.derived(index, "toff_mvef", toff, "int32"), "in_place": in_place,
            "RING_ROWS": dw_ring_rows(op, ctx.graph) if in_place else 0}
