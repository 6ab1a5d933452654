"""DEPTHWISE_CONV_2D kernels: portable (templates/ops/depthwise_conv2d.c.j2), portable in place
for depth multiplier 1 (depthwise_conv2d_inplace.c.j2: one channel plane at a time copied to a
scratch of H*W elements, then that channel's outputs written), and DSP
(depthwise_conv2d_dsp.c.j2). A 3x3 window of dilation 1 and stride 1 or 2 across, any channel
count (or one input channel and any depth multiplier: each output channel over the one-channel
ring), runs two output pixels per step (depthwise_conv2d_dsp_pair.c.j2, ``pair``; knob ``channels``:
channels per pass over the rows, default all: a ring of 3 rows of those channels' column pairs
as int16, SMLAD/SMLADX against per-channel aot_dw3_t records of weights, bias and
requantisation; knob ``stack=1``: that ring on the stack, no scratch, so a scratch-free setting
also where the op runs in place); other windows of one input channel run conv2d's DSP kernel (weights
transposed to OHWI); otherwise a block of groups of four channels at a time (knob ``groups``;
default all): the input rows a window needs, those channels only, sit in a ring of int16 rows
in the scratch buffer (input offset added, zero columns for the left/right padding, a zero row
for the top/bottom), and each group of four channels accumulates with SMLABB/SMLATT against
weights pre-extended to int16 pairs. The leanest setting of either, knob ``ring=0``: no scratch,
the input read in place (depthwise_conv2d_dsp_direct.c.j2, aot_dw_direct_px), so the DSP kernel
is declared twice: as the op runs out of place (every setting), and in place (the ring settings
only, ``in_place_only``)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from codegen_c import dsp, fpu
from codegen_c.blocked import BLOCKED_DEPTHWISE_CONV2D
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops import conv2d
from codegen_c.ops.depthwise_conv2d_mve import MVE_KERNELS


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
    """One input channel and no two-pixel window: conv2d's DSP kernels."""
    return g.tensor(op.inputs[0]).shape[3] == 1 and not _pair(op, g)


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


def _pair(op: Op, g: Graph) -> bool:
    """The two-pixel kernel: a 3x3 window, dilation 1, stride 1 or 2 across."""
    kh, kw = g.tensor(op.inputs[1]).shape[1:3]
    return (kh, kw) == (3, 3) and tuple(op.attrs["dilation"]) == (1, 1) and op.attrs["stride"][1] in (1, 2)


def _pair_channel_limit(op: Op) -> int:
    """Most channels in a block of the two-pixel kernel: its word offsets (4 * stride * block
    bytes) are LDR immediates, below 4096."""
    return 1024 // op.attrs["stride"][1]


def block_channels(op: Op, g: Graph, knobs: dict) -> int:
    """Channels per pass over the rows of the two-pixel kernel: the knob ``channels`` (fewer:
    a smaller ring, more passes), else all of them (at most _pair_channel_limit)."""
    total = min(g.tensor(op.inputs[0]).shape[3], _pair_channel_limit(op))
    return max(1, min(total, int(knobs.get("channels", total))))


def dsp_applies(op: Op, g: Graph) -> bool:
    if _as_conv(op, g):
        return conv2d.dsp_applies(op, g)
    channels = g.tensor(op.inputs[0]).shape[3]
    fits = _pair(op, g) or channels % 4 == 0
    return (op.attrs["depth_multiplier"] == 1 or channels == 1) and fits and dsp.int8_dsp_ok(op, g)


def dsp_scratch(op: Op, g: Graph, knobs: dict) -> int:
    if _as_conv(op, g):
        return conv2d.dsp_scratch(op, g, knobs)
    if _direct(knobs) or knobs.get("stack"):
        return 0
    if _pair(op, g):
        return 3 * _pair_words(op, g) * block_channels(op, g, knobs) * 4
    kh = g.tensor(op.inputs[1]).shape[1]
    return (kh + 1) * _ring_width(op, g) * 4 * 2 * block_groups(op, g, knobs)


def _pair_words(op: Op, g: Graph) -> int:
    """Column pairs of a ring row of the two-pixel kernel: the input columns and padding, and
    the column pairs its pixels read (up to (ow + 1) // 2 at stride 1, ow at stride 2), at
    stride 2 rounded up to whole blocks of two."""
    ow, sw = g.tensor(op.outputs[0]).shape[2], op.attrs["stride"][1]
    words = max((_ring_width(op, g) + 1) // 2, (ow + 1) // 2 + 1 if sw == 1 else ow + 1)
    return -(-words // sw) * sw


def ring_knobs(op: Op, g: Graph) -> list:
    """Default (all groups / channels per pass), then half as many each time, down to one
    group of 4 channels (the two-pixel kernel: down to one channel)."""
    if _as_conv(op, g):
        return conv2d.dsp_knobs(op, g)
    out: list = [()]
    if _pair(op, g):
        n = block_channels(op, g, {}) // 2
        while n >= 1:
            out.append((("channels", n),))
            n //= 2
        return out + _stack_knobs(op, g)
    n = g.tensor(op.inputs[0]).shape[3] // 4 // 2
    while n >= 1:
        out.append((("groups", n),))
        n //= 2
    return out


DW3_STACK_LIMIT = 1024  # bytes of ring the two-pixel kernel may keep on the stack (knob stack=1)


def _stack_knobs(op: Op, g: Graph) -> list:
    """The two-pixel kernel's scratch-free setting where it has a ring of several channels:
    ``stack=1``, the ring on the stack, with the most channels per pass whose ring fits
    DW3_STACK_LIMIT (all of them, or halved as the ``channels`` settings); none with one input
    channel (its ring of one channel is small) or where a single channel's ring does not fit."""
    total = block_channels(op, g, {})
    if total == 1 or g.tensor(op.inputs[0]).shape[3] == 1:
        return []
    n = total
    while n >= 1 and 3 * _pair_words(op, g) * n * 4 > DW3_STACK_LIMIT:
        n //= 2
    if n < 1:
        return []
    return [(("stack", 1),)] if n == total else [(("channels", n), ("stack", 1))]


def dsp_knobs(op: Op, g: Graph) -> list:
    """The ring settings (ring_knobs), then the leanest: ``ring=0``, no ring, the input read in
    place (aot_dw_direct); not for one input channel (conv2d's kernels; the two-pixel kernel's
    ring of one channel is small)."""
    return ring_knobs(op, g) + ([] if g.tensor(op.inputs[0]).shape[3] == 1 else [(("ring", 0),)])


def _direct(knobs: dict) -> bool:
    return knobs.get("ring") == 0


def ring_in_place(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 when the ring kernel may run over its own input: it copies each input row before
    an output row overwrites it (rows copied when first needed, outputs written row by row; one
    block of groups of channels at a time, whose outputs only overwrite that block's inputs)."""
    if _as_conv(op, g) or op.attrs["depth_multiplier"] != 1:
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
    if _direct(knobs):
        return _lower_direct(index, op, ctx)
    if _pair(op, g):
        return _lower_pair(index, op, ctx, knobs)
    kh, kw = w.shape[1:3]
    taps = w.reshape(kh * kw, c // 4, 4).astype(np.int64)  # [tap][group][4]
    lo = (taps[..., [0, 2]] & 0xFFFF) | (taps[..., [1, 3]] << 16)  # words (c0,c1), (c2,c3)
    wq = np.transpose(lo, (1, 0, 2)).astype(np.int64)  # [group][tap][2]
    wq = np.where(wq >= 1 << 31, wq - (1 << 32), wq)
    stage = conv_common.output_stage(op, g)
    table, out_add = dsp.rq_table(op, g, c)
    return {
        **conv2d.window_vars(op, g), "as_conv": False, "pair": False, "C": c, "KH": kh, "KW": kw,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "wq": ctx.derived(index, "w_dsp", wq, "int32"),
        "bias": ctx.derived(index, "bias_dsp", conv_common.bias_of(op, g, c, np.int32), "int32"),
        "rq": ctx.derived(index, "rq", table, "int32"), "out_add": out_add,
        "in_off": stage.input_offset, "act_min": stage.act_min, "act_max": stage.act_max,
        "WP": _ring_width(op, g), "GB": block_groups(op, g, knobs),
    }


def _int16_pairs(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """int32 words of two int16 lanes (lo in the low half)."""
    words = (lo.astype(np.int64) & 0xFFFF) | (hi.astype(np.int64) << 16)
    return np.where(words >= 1 << 31, words - (1 << 32), words).astype(np.int64)


def _lower_pair(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    """The two-pixel kernel's variables: per output channel an aot_dw3_t record (aot_dsp.h): for
    each tap row the words (w0, w1), (w2, w1), then the bias and the aot_rq_t of dsp.rq_table
    (the shift of a block's last channel with bit 31 set). MUL: the depth multiplier (> 1 only with one input channel, which every output channel reads)."""
    g = ctx.graph
    c = g.tensor(op.outputs[0]).shape[3]
    w = g.tensor(op.inputs[1]).data.reshape(3, 3, c)
    rows = np.stack([_int16_pairs(w[:, 0], w[:, 1]), _int16_pairs(w[:, 2], w[:, 1])], axis=1)  # [ky][2][c]
    table, out_add = dsp.rq_table(op, g, c)
    bias = conv_common.bias_of(op, g, c, np.int64)
    rq = table.astype(np.int64).reshape(c, -1)
    nb = block_channels(op, g, knobs)
    last = ((np.arange(c) + 1) % nb == 0) | (np.arange(c) == c - 1)
    rq[last, 1] -= 1 << 31  # a block's last channel: bit 31 of the shift set (the loops' end)
    records = np.concatenate([np.transpose(rows, (2, 0, 1)).reshape(c, 6), bias[:, None], rq], axis=1)
    stage = conv_common.output_stage(op, g)
    return {
        **conv2d.window_vars(op, g), "as_conv": False, "pair": True, "C": c,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "kt": ctx.derived(index, "dw3", records.reshape(-1), "int32"), "out_add": out_add,
        "in_off": stage.input_offset, "act_min": stage.act_min, "act_max": stage.act_max,
        "WPW": _pair_words(op, g), "CB": nb, "MUL": op.attrs["depth_multiplier"],
        "STACK": bool(knobs.get("stack")),
    }


def _lower_direct(index: int, op: Op, ctx: LoweringContext) -> dict:
    """aot_dw_direct's variables (aot_dsp.h): per group of 4 channels (the last zero-padded), per
    tap, the int16 weight words (w0, w2), (w1, w3); bias; the aot_rq_t of dsp.rq_table."""
    g = ctx.graph
    c = g.tensor(op.inputs[0]).shape[3]
    w = g.tensor(op.inputs[1]).data
    kh, kw = w.shape[1:3]
    groups = -(-c // 4)
    taps = np.zeros((kh * kw, groups * 4), dtype=np.int64)
    taps[:, :c] = w.reshape(kh * kw, c)
    taps = np.transpose(taps.reshape(kh * kw, groups, 4), (1, 0, 2))  # [group][tap][4]
    words = np.stack([_int16_pairs(taps[..., 0], taps[..., 2]), _int16_pairs(taps[..., 1], taps[..., 3])], axis=-1)
    table, out_add = dsp.rq_table(op, g, c)
    stage = conv_common.output_stage(op, g)
    win = conv2d.window_vars(op, g)
    (oy0, oy1), (ox0, ox1) = (_inside(win[n], win[o], k, win[s], win[d], win[p])
                              for n, o, k, s, d, p in (("H", "OH", kh, "SH", "DH", "PT"), ("W", "OW", kw, "SW", "DW", "PL")))
    return {
        **win, "as_conv": False, "direct": True, "C": c, "KH": kh, "KW": kw, "FULL": c // 4,
        "OY0": oy0, "OY1": oy1, "OX0": ox0, "OX1": ox1, "UNROLL": kh * kw <= DIRECT_UNROLL and ((kh - 1) * win["DH"] * win["W"] + (kw - 1) * win["DW"]) * c < 4096,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "wq": ctx.derived(index, "w_direct", words.reshape(-1), "int32"),
        "bias": ctx.derived(index, "bias_dsp", conv_common.bias_of(op, g, c, np.int32), "int32"),
        "rq": ctx.derived(index, "rq", table, "int32"), "out_add": out_add,
        "offp": int(_int16_pairs(np.array(stage.input_offset), np.array(stage.input_offset))),
        "act_min": stage.act_min, "act_max": stage.act_max,
    }


DIRECT_UNROLL = 25  # most taps the ring-free setting unrolls (larger windows, or tap offsets beyond
# an LDR immediate: aot_dw_direct_px only); 25 taps of weights stay within LDRD's 1020 bytes


def _inside(n: int, out: int, k: int, s: int, d: int, pad: int) -> tuple[int, int]:
    """The outputs [first, end) along one axis whose window lies inside the n inputs."""
    first = min(-(-pad // s), out)
    return first, max(first, min(out, (n - 1 + pad - (k - 1) * d) // s + 1))


KERNELS = (
    Kernel("portable", "ops/depthwise_conv2d.c.j2", lower),
    Kernel("portable", "ops/depthwise_conv2d_inplace.c.j2", lower, scratch=plane_scratch, overwrites=multiplier_one,
           in_place_only=True),
    *BLOCKED_DEPTHWISE_CONV2D,
    Kernel("dsp", "ops/depthwise_conv2d_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies, scratch=dsp_scratch,
           knobs=dsp_knobs),
    Kernel("dsp", "ops/depthwise_conv2d_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies, scratch=dsp_scratch,
           overwrites=ring_in_place, in_place_only=True, knobs=ring_knobs),
    Kernel("fpu", "ops/depthwise_conv2d_fpu.c.j2", fpu.lower_depthwise, features=fpu.FPU, applies=fpu.depthwise_applies,
           overwrites=fpu.depthwise_in_place),
) + MVE_KERNELS
