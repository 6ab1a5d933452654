"""DEPTHWISE_CONV_2D kernels: portable (templates/ops/depthwise_conv2d.c.j2), portable in place
for depth multiplier 1 (depthwise_conv2d_inplace.c.j2: one channel plane at a time copied to a
scratch of H*W elements, then that channel's outputs written), and DSP
(depthwise_conv2d_dsp.c.j2). With one input channel the DSP kernel is conv2d's (weights
transposed to OHWI); otherwise a block of groups of four channels at a time (knob ``groups``;
default all): the input rows a window needs, those channels only, sit in a ring of int16 rows
in the scratch buffer (input offset added, zero columns for the left/right padding, a zero row
for the top/bottom), and each group of four channels accumulates with SMLABB/SMLATT against
weights pre-extended to int16 pairs."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from codegen_c import dsp
from codegen_c.blocked import BLOCKED_DEPTHWISE_CONV2D
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops import conv2d


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    return {**conv2d.lower(index, op, ctx, knobs), "M": op.attrs["depth_multiplier"]}


def multiplier_one(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 when the depth multiplier is 1 (output channel c reads input channel c only)."""
    return (0,) if op.attrs["depth_multiplier"] == 1 else ()


def plane_scratch(op: Op, g: Graph, knobs: dict) -> int:
    """One input channel plane: H * W elements."""
    x = g.tensor(op.inputs[0])
    return x.shape[1] * x.shape[2] * x.np_dtype.itemsize


# --- DSP


def _as_conv(op: Op, g: Graph) -> bool:
    return g.tensor(op.inputs[0]).shape[3] == 1


def _ring_width(op: Op, g: Graph) -> int:
    """Columns of a ring row: left padding + input width + the right padding the taps reach."""
    _, _, wd, _ = g.tensor(op.inputs[0]).shape
    ow, kw = g.tensor(op.outputs[0]).shape[2], g.tensor(op.inputs[1]).shape[2]
    pl, sw, dw = op.attrs["pad"][1], op.attrs["stride"][1], op.attrs["dilation"][1]
    reach = (ow - 1) * sw + (kw - 1) * dw + 1
    return pl + wd + max(0, reach - pl - wd)


def block_groups(op: Op, g: Graph, knobs: dict) -> int:
    """Groups of 4 channels per pass over the rows: the knob ``groups`` (fewer: a smaller ring,
    more passes), else all of them."""
    total = g.tensor(op.inputs[0]).shape[3] // 4
    return max(1, min(total, int(knobs.get("groups", total))))


def dsp_applies(op: Op, g: Graph) -> bool:
    if _as_conv(op, g):
        return conv2d.dsp_applies(op, g)
    channels = g.tensor(op.inputs[0]).shape[3]
    return op.attrs["depth_multiplier"] == 1 and channels % 4 == 0 and dsp.int8_dsp_ok(op, g)


def dsp_scratch(op: Op, g: Graph, knobs: dict) -> int:
    if _as_conv(op, g):
        return conv2d.dsp_scratch(op, g, knobs)
    kh = g.tensor(op.inputs[1]).shape[1]
    return (kh + 1) * _ring_width(op, g) * 4 * 2 * block_groups(op, g, knobs)


def dsp_knobs(op: Op, g: Graph) -> list:
    """Default (all groups per pass), then half as many groups each time, down to one."""
    if _as_conv(op, g):
        return conv2d.dsp_knobs(op, g)
    out: list = [()]
    n = g.tensor(op.inputs[0]).shape[3] // 4 // 2
    while n >= 1:
        out.append((("groups", n),))
        n //= 2
    return out


def ring_in_place(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 when the ring kernel may run over its own input: it copies each input row before
    an output row overwrites it (rows copied when first needed, outputs written row by row; one
    block of groups of channels at a time, whose outputs only overwrite that block's inputs)."""
    if _as_conv(op, g):
        return ()
    n, h, wd, _ = g.tensor(op.inputs[0]).shape
    _, oh, ow, _ = g.tensor(op.outputs[0]).shape
    kh, sh, pt = g.tensor(op.inputs[1]).shape[1], op.attrs["stride"][0], op.attrs["pad"][0]
    if n != 1:
        return ()
    copied = 0
    for oy in range(oh):
        bottom = min(oy * sh - pt + kh - 1, h - 1)
        while copied <= bottom:
            if copied * wd < oy * ow:
                return ()
            copied += 1
    return (0,)


def lower_dsp(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    w = g.tensor(op.inputs[1]).data
    if _as_conv(op, g):
        return {**conv2d.lower_dsp(index, op, ctx, knobs, weights=np.transpose(w, (3, 1, 2, 0))), "as_conv": True}
    c = g.tensor(op.inputs[0]).shape[3]
    kh, kw = w.shape[1:3]
    taps = w.reshape(kh * kw, c // 4, 4).astype(np.int64)  # [tap][group][4]
    lo = (taps[..., [0, 2]] & 0xFFFF) | (taps[..., [1, 3]] << 16)  # words (c0,c1), (c2,c3)
    wq = np.transpose(lo, (1, 0, 2)).astype(np.int64)  # [group][tap][2]
    wq = np.where(wq >= 1 << 31, wq - (1 << 32), wq)
    stage = conv_common.output_stage(op, g)
    table, out_add = dsp.rq_table(op, g, c)
    return {
        **conv2d.window_vars(op, g), "as_conv": False, "C": c, "KH": kh, "KW": kw,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "wq": ctx.derived(index, "w_dsp", wq, "int32"),
        "bias": ctx.derived(index, "bias_dsp", conv_common.bias_of(op, g, c, np.int32), "int32"),
        "rq": ctx.derived(index, "rq", table, "int32"), "out_add": out_add,
        "in_off": stage.input_offset, "act_min": stage.act_min, "act_max": stage.act_max,
        "WP": _ring_width(op, g), "GB": block_groups(op, g, knobs),
    }


KERNELS = (
    Kernel("portable", "ops/depthwise_conv2d.c.j2", lower),
    Kernel("portable", "ops/depthwise_conv2d_inplace.c.j2", lower, scratch=plane_scratch, overwrites=multiplier_one,
           in_place_only=True),
    *BLOCKED_DEPTHWISE_CONV2D,
    Kernel("dsp", "ops/depthwise_conv2d_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies, scratch=dsp_scratch,
           overwrites=ring_in_place, knobs=dsp_knobs),
)
