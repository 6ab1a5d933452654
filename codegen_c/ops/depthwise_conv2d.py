from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.ops import conv2d


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    return {**conv2d.lower(index, op, ctx), "M": op.attrs["depth_multiplier"]}


# --- DSP variant (templates/ops/depthwise_conv2d_dsp.c.j2). With one input channel it is a
# convolution (conv2d's DSP kernel, weights transposed to OHWI); otherwise a block of groups of
# four channels at a time (knob ``groups``; default all): the input rows a window needs, those
# channels only, sit in a ring of int16 rows in the scratch buffer (input offset added, zero
# columns for the left/right padding, a zero row for the top/bottom), and each group of four
# channels accumulates with SMLABB/SMLATT against weights pre-extended to int16 pairs.


def _as_conv(op: Op, g) -> bool:
    return g.tensor(op.inputs[0]).shape[3] == 1


def _ring_width(op: Op, g) -> int:
    """Columns of a ring row: left padding + input width + the right padding the taps reach."""
    _, _, wd, _ = g.tensor(op.inputs[0]).shape
    ow, kw = g.tensor(op.outputs[0]).shape[2], g.tensor(op.inputs[1]).shape[2]
    pl, sw, dw = op.attrs["pad"][1], op.attrs["stride"][1], op.attrs["dilation"][1]
    reach = (ow - 1) * sw + (kw - 1) * dw + 1
    return pl + wd + max(0, reach - pl - wd)


def scratch_bytes(op: Op, g, variant) -> int:
    if _as_conv(op, g):
        return conv2d.scratch_bytes(op, g, variant)
    kh = g.tensor(op.inputs[1]).shape[1]
    return (kh + 1) * _ring_width(op, g) * 4 * 2 * block_groups(op, g, variant)


def block_groups(op: Op, g, variant) -> int:
    """Groups of 4 channels per pass over the rows: the knob ``groups`` (fewer: a smaller ring,
    more passes), else all of them."""
    total = g.tensor(op.inputs[0]).shape[3] // 4
    return max(1, min(total, int(variant.knob("groups", total))))


def in_place_safe(op: Op, g) -> bool:
    """Run over its own input, the ring kernel copies each input row before an output row
    overwrites it (rows are copied when first needed, outputs written row by row; one block
    of groups of channels at a time, whose outputs only overwrite that block's inputs)."""
    if _as_conv(op, g):
        return False
    n, h, wd, _ = g.tensor(op.inputs[0]).shape
    _, oh, ow, _ = g.tensor(op.outputs[0]).shape
    kh, sh, pt = g.tensor(op.inputs[1]).shape[1], op.attrs["stride"][0], op.attrs["pad"][0]
    if n != 1:
        return False
    copied = 0
    for oy in range(oh):
        bottom = min(oy * sh - pt + kh - 1, h - 1)
        while copied <= bottom:
            if copied * wd < oy * ow:
                return False
            copied += 1
    return True


def lower_variant(index: int, op: Op, ctx: LoweringContext, variant, in_place: bool = False) -> dict:
    import numpy as np

    from codegen_c import variants as cv

    g = ctx.graph
    w = g.tensor(op.inputs[1]).data
    if _as_conv(op, g):
        return {**conv2d.lower_variant(index, op, ctx, variant, in_place, weights=np.transpose(w, (3, 1, 2, 0))), "as_conv": True}
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    n, h, wd, c = x.shape
    _, oh, ow, _ = y.shape
    kh, kw = w.shape[1:3]
    taps = w.reshape(kh * kw, c // 4, 4).astype(np.int64)  # [tap][group][4]
    lo = (taps[..., [0, 2]] & 0xFFFF) | (taps[..., [1, 3]] << 16)  # words (c0,c1), (c2,c3)
    wq = np.transpose(lo, (1, 0, 2)).astype(np.int64)  # [group][tap][2]
    wq = np.where(wq >= 1 << 31, wq - (1 << 32), wq)
    st = cv.conv_common.output_stage(op, g)
    return {
        "as_conv": False,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "wq": ctx.derived(index, "w_dsp", wq, "int32"),
        "bias": ctx.derived(index, "bias_dsp", cv.conv_common.bias_of(op, g, c, np.int32), "int32"),
        "rq": ctx.derived(index, "rq", cv.rq_table(op, g, c)[0], "int32"),
        "out_add": cv.rq_table(op, g, c)[1],
        "in_off": st.input_offset, "act_min": st.act_min, "act_max": st.act_max,
        "N": n, "H": h, "W": wd, "C": c, "OH": oh, "OW": ow, "KH": kh, "KW": kw,
        "SH": op.attrs["stride"][0], "SW": op.attrs["stride"][1],
        "DH": op.attrs["dilation"][0], "DW": op.attrs["dilation"][1],
        "PT": op.attrs["pad"][0], "PL": op.attrs["pad"][1],
        "WP": _ring_width(op, g), "GB": block_groups(op, g, variant),
    }
