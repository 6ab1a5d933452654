"""The "blocked" kernels: portable C for int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED that
GCC turns into good code on cores without SIMD instructions (RISC-V rv32imac, Cortex-M3, the
host): no CPU feature, so they are the default wherever the DSP kernels are not.

Register blocking: four output channels x two output pixels of int32 accumulators (the last
OC % 4 channels and an odd last pixel in blocks of their own), so each int8 input and weight
loaded meets two (four) others. Everything else is done at compile time: the input offset is
folded into the bias (bias + input_offset * weight sum; a tap in the padding reads the input
zero point, which contributes nothing), the weights are stored in the order the loops read them
(per block of four channels, the four weights of each tap value side by side), the loops have
constant trip counts and advance pointers. A pixel's window is a table of KH x KW tap pointers
(into the input, or to a constant row of zero points) built once per pixel on the stack: no
scratch. In place (the plan writes the output over the input): a pointwise convolution copies
each pair of input pixels to the stack first; a depthwise one (an in-place-only kernel of its
own) copies the input rows its windows reach, one block of four channels at a time, to a ring in
the scratch buffer (ring_in_place, ring_scratch). A depthwise convolution of one input channel
and a depth multiplier is the convolution kernel with its weights transposed. Requantisation: aot_rq's one rounding (aot_fixedpoint.h, 64-bit multiply: MUL + MULH on
rv32) where codegen_c/dsp.py fast_requant proves it equal to TFLM's two roundings, else
TFLM's own aot_mbqm.
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from codegen_c import dsp
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel

ROWS = 4  # output channels per block (int32 accumulators: ROWS x 2 pixels)


def int8_symmetric(op: Op, g: Graph) -> bool:
    """int8 input, weights and output, the weights' zero points 0 (TFLM's int8 kernels)."""
    x, w, y = (g.tensor(n) for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    return x.dtype == w.dtype == y.dtype == "int8" and w.quant is not None and not np.any(np.asarray(w.quant.zero_point))


def conv_applies(op: Op, g: Graph) -> bool:
    """int8, one group."""
    return int8_symmetric(op, g) and g.tensor(op.inputs[0]).shape[3] == g.tensor(op.inputs[1]).shape[3]


def depthwise_applies(op: Op, g: Graph) -> bool:
    """int8, depth multiplier 1, or one input channel (a convolution: lower_depthwise)."""
    return int8_symmetric(op, g) and (op.attrs["depth_multiplier"] == 1 or g.tensor(op.inputs[0]).shape[3] == 1)


def blocks(rows: np.ndarray) -> np.ndarray:
    """[R, K] int8 weight rows -> the order the kernel reads them: per block of ROWS rows, for each
    k the ROWS weights side by side; then the last R % ROWS rows the same way."""
    r, k = rows.shape
    full = r // ROWS * ROWS
    head = rows[:full].reshape(full // ROWS, ROWS, k).transpose(0, 2, 1).reshape(-1)
    return np.concatenate([head, rows[full:].T.reshape(-1)]).astype(np.int8)


def folded_bias(op: Op, g: Graph, rows: np.ndarray, product_in_float: bool = False) -> np.ndarray:
    """bias[r] + input_offset * sum_k rows[r, k], wrapped to int32 as the accumulators wrap."""
    stage = conv_common.output_stage(op, g, product_in_float)
    total = conv_common.bias_of(op, g, rows.shape[0], np.int64) + stage.input_offset * rows.astype(np.int64).sum(axis=1)
    return dsp.wrap_int32(total)


def unroll(k: int) -> int:
    """Values per pass of the innermost loop: all of them up to 4, else 4 or 2 where they divide k."""
    return k if k <= 4 else next(u for u in (4, 2, 1) if k % u == 0)


def epilogue(index: int, op: Op, ctx: LoweringContext, channels: int, product_in_float: bool = False) -> dict:
    """Requantisation constants: aot_rq's table where it is exact (``fast``), else TFLM's
    per-channel multiplier and shift for aot_mbqm; the activation range."""
    g = ctx.graph
    stage = conv_common.output_stage(op, g, product_in_float)
    v = {"act_min": stage.act_min, "act_max": stage.act_max, "fast": dsp.fast_requant(op, g, product_in_float)}
    if v["fast"]:
        table, out_add = dsp.rq_table(op, g, channels, product_in_float)
        v.update(rq=ctx.derived(index, "rq", table, "int32"), out_add=out_add)
    else:
        per = (channels,)
        v.update(mult=ctx.derived(index, "mult", np.broadcast_to(stage.multiplier, per), "int32"),
                 shift=ctx.derived(index, "shift", np.broadcast_to(stage.shift, per), "int32"),
                 out_add=stage.output_offset)
    return v


def window(op: Op, g: Graph, kh: int, kw: int) -> dict:
    """Shapes, strides, dilations, padding; ``padded``: does some tap of some pixel fall off the input."""
    n, h, wd, ic = g.tensor(op.inputs[0]).shape
    _, oh, ow, oc = g.tensor(op.outputs[0]).shape
    (sh, sw), (dh, dw), (pt, pl) = op.attrs["stride"], op.attrs["dilation"], op.attrs["pad"][:2]
    ys = np.add.outer(np.arange(oh) * sh - pt, np.arange(kh) * dh)
    xs = np.add.outer(np.arange(ow) * sw - pl, np.arange(kw) * dw)
    padded = bool(np.any((ys < 0) | (ys >= h)) or np.any((xs < 0) | (xs >= wd)))
    pointwise = (kh, kw, sh, sw) == (1, 1, 1, 1) and not padded
    if pointwise:  # pixel p reads input pixel p only: all images one run of pixels
        n, h, oh = 1, n * h, n * oh
    return {"N": n, "H": h, "W": wd, "IC": ic, "OH": oh, "OW": ow, "OC": oc, "KH": kh, "KW": kw,
            "SH": sh, "SW": sw, "DH": dh, "DW": dw, "PT": pt, "PL": pl, "padded": padded, "pointwise": pointwise}


def pointwise_input(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 of a pointwise convolution: it runs in place, each pair of input pixels copied to the
    stack before their outputs are written, walking backward when outputs are wider than inputs."""
    return (0,) if window(op, g, *g.tensor(op.inputs[1]).shape[1:3])["pointwise"] else ()


def in_place(index: int, ctx: LoweringContext, ic: int, oc: int) -> dict:
    """``in_place``: this op writes over its input; ``backward``: walking from the last pixel."""
    here = index in ctx.plan.in_place
    return {"in_place": here, "backward": here and oc > ic}


def lower_conv(index: int, op: Op, ctx: LoweringContext, knobs: dict, weights: np.ndarray | None = None) -> dict:
    """``weights``: OHWI weights in place of the op's (a depthwise convolution of one input channel)."""
    g = ctx.graph
    w = (g.tensor(op.inputs[1]).data if weights is None else weights).astype(np.int8)
    oc, kh, kw, ic = w.shape
    rows = w.reshape(oc, -1)
    stage = conv_common.output_stage(op, g)
    return {
        **window(op, g, kh, kw), **epilogue(index, op, ctx, oc), **in_place(index, ctx, ic, oc),
        "zp": -stage.input_offset, "U": unroll(ic),
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_blocked", blocks(rows), "int8"),
        "bias": ctx.derived(index, "bias_blocked", folded_bias(op, g, rows), "int32"),
    }


def lower_fc(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    """The conv kernel's pointwise form: B pixels of K input channels, N output channels."""
    g = ctx.graph
    rows = g.tensor(op.inputs[1]).data.astype(np.int8)
    n, k = rows.shape
    b = g.tensor(op.inputs[0]).size // k
    return {
        "N": 1, "H": 1, "W": b, "IC": k, "OH": 1, "OW": b, "OC": n, "KH": 1, "KW": 1, "padded": False, "pointwise": True,
        "in_place": False, "backward": False, **epilogue(index, op, ctx, n, True), "U": unroll(k),
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_blocked", blocks(rows), "int8"),
        "bias": ctx.derived(index, "bias_blocked", folded_bias(op, g, rows, True), "int32"),
    }


def ring_rows(op: Op, g: Graph) -> int:
    """Input rows one window spans: the ring the in-place depthwise kernel copies them to."""
    return (g.tensor(op.inputs[1]).shape[1] - 1) * op.attrs["dilation"][0] + 1


def ring_scratch(op: Op, g: Graph, knobs: dict) -> int:
    """The ring: ring_rows input rows of one block of channels (W x up to ROWS bytes each)."""
    _, _, wd, c = g.tensor(op.inputs[0]).shape
    return ring_rows(op, g) * wd * min(c, ROWS)


def ring_in_place(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 when the depthwise kernel may write its output over its input, one block of channels
    at a time (whose outputs overwrite only its own inputs), copying each input row to the ring at
    the start of the first output row whose windows reach it (or pass it): one image, and no
    output row before that one reaches into the row (output row oy's outputs start at pixel
    oy * OW, input row r at pixel r * W)."""
    n, h, wd, _ = g.tensor(op.inputs[0]).shape
    _, oh, ow, _ = g.tensor(op.outputs[0]).shape
    sh, pt = op.attrs["stride"][0], op.attrs["pad"][0]
    bottom = np.minimum(np.arange(oh) * sh - pt + ring_rows(op, g) - 1, h - 1)  # the last row copied by each output row
    rows = np.arange(max(int(bottom.max()) + 1, 0))
    first = np.searchsorted(bottom, rows)  # the output row that copies input row r
    return (0,) if n == 1 and op.attrs["depth_multiplier"] == 1 and bool(np.all(first * ow <= rows * wd)) else ()


def lower_depthwise(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    """Depth multiplier 1: channel blocks; else (one input channel) the convolution kernel with
    the weights transposed to OHWI (``as_conv``)."""
    g = ctx.graph
    w = g.tensor(op.inputs[1]).data.astype(np.int8)
    if op.attrs["depth_multiplier"] != 1:
        return {**lower_conv(index, op, ctx, knobs, weights=np.transpose(w, (3, 1, 2, 0))), "as_conv": True}
    _, kh, kw, c = w.shape
    rows = w.reshape(kh * kw, c).T  # [channel][tap]
    stage = conv_common.output_stage(op, g)
    return {
        **window(op, g, kh, kw), "as_conv": False, "pointwise": False, "in_place": index in ctx.plan.in_place,
        "backward": False,
        "R": ring_rows(op, g),
        **epilogue(index, op, ctx, c), "zp": -stage.input_offset,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_blocked", blocks(rows), "int8"),
        "bias": ctx.derived(index, "bias_blocked", folded_bias(op, g, rows), "int32"),
    }


BLOCKED_CONV2D = Kernel("blocked", "ops/conv2d_blocked.c.j2", lower_conv, applies=conv_applies,
                        overwrites=pointwise_input)
BLOCKED_FULLY_CONNECTED = Kernel("blocked", "ops/conv2d_blocked.c.j2", lower_fc, applies=int8_symmetric)
BLOCKED_DEPTHWISE_CONV2D = (  # out of place, and in place (a ring of input rows in the scratch)
    Kernel("blocked", "ops/depthwise_conv2d_blocked.c.j2", lower_depthwise, applies=depthwise_applies),
    Kernel("blocked", "ops/depthwise_conv2d_blocked.c.j2", lower_depthwise, applies=depthwise_applies,
           scratch=ring_scratch, overwrites=ring_in_place, in_place_only=True),
)
