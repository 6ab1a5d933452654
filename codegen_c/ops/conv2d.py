"""CONV_2D kernels: portable (templates/ops/conv2d.c.j2), portable in place for 1x1 stride-1
convolutions (conv2d_inplace.c.j2: walks forward when outputs are narrower than inputs,
backward when wider), and DSP (conv2d_dsp.c.j2: im2col of two int16 columns at a time, 2x2
blocked SMLAD matrix multiply, requantisation fused; knob ``cols=0``: no columns, the window
rows read in place or expanded into int16 pairs on the stack, conv2d_dsp_direct.c.j2); int16x8 DSP (conv2d_dsp16.c.j2: each pixel's window
copied into an int16 column, or a 1x1 stride-1 input pixel read in place; two pixels x two weight
rows at a time with SXTB16 + SMLAD (int32 runs that cannot overflow, added to exact int64 sums),
the portable output stage)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from codegen_c import dsp, fpu
from codegen_c.blocked import BLOCKED_CONV2D
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops import fully_connected
from codegen_c.ops.conv2d_mve import MVE_KERNELS
from codegen_c.ops.output_stage import output_stage_vars


def window_vars(op: Op, g: Graph) -> dict:
    """Shapes, strides, dilations and padding of a convolution (input, output, kernel window)."""
    n, h, wd, ic = g.tensor(op.inputs[0]).shape
    _, oh, ow, oc = g.tensor(op.outputs[0]).shape
    return {
        "N": n, "H": h, "W": wd, "IC": ic, "OH": oh, "OW": ow, "OC": oc,
        "SH": op.attrs["stride"][0], "SW": op.attrs["stride"][1],
        "DH": op.attrs["dilation"][0], "DW": op.attrs["dilation"][1],
        "PT": op.attrs["pad"][0], "PL": op.attrs["pad"][1],
    }


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    ic = g.tensor(op.inputs[0]).shape[3]
    oc = g.tensor(op.outputs[0]).shape[3]
    _, kh, kw, icg = g.tensor(op.inputs[1]).shape
    return {
        **output_stage_vars(index, op, ctx), **window_vars(op, g),
        "x": ctx.ptr(op.inputs[0]), "w": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "KH": kh, "KW": kw, "ICG": icg, "OCG": oc // max(ic // icg, 1),
    }


def one_by_one(op: Op, kh: int, kw: int) -> bool:
    """A 1x1 window, stride 1, no padding: output pixel p reads input pixel p only."""
    return (kh, kw) == (1, 1) and tuple(op.attrs["stride"]) == (1, 1) and not any(op.attrs["pad"])


def pointwise(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 for a 1x1, stride-1, unpadded, one-group convolution: it can run in place."""
    x, w = g.tensor(op.inputs[0]), g.tensor(op.inputs[1])
    return (0,) if one_by_one(op, *w.shape[1:3]) and w.shape[3] == x.shape[3] else ()


# --- DSP. The kernel serves depthwise convolutions with one input channel too (a conv with
# IC = 1, weights transposed): ``weights`` then gives the OHWI weights.


def kernel_window(op: Op, g: Graph) -> tuple[int, int, int]:
    """(KH, KW, IC) of the convolution (depthwise with one input channel: IC = 1)."""
    if op.kind == "conv2d":
        return tuple(g.tensor(op.inputs[1]).shape[1:])  # type: ignore[return-value]
    return (*g.tensor(op.inputs[1]).shape[1:3], 1)  # type: ignore[return-value]


DIRECT_STACK_LIMIT = 256  # bytes of window rows the direct kernel (cols=0) may gather on the stack


W16_LIMIT = 8192  # int8 weights of at most this many bytes are sign-extended to int16 at compile time
# windows of fewer values run faster with int16 weights than expanded (measured on qemu-mps2-an386:
# ic_resnet8's 1x1 stride-2 conv of 32 inputs, 1.71 instr/MAC with aot_conv_px16, 1.80 expanded)
XS_W16_MIN = 64


def direct_mode(w: np.ndarray, dilated: bool) -> dict:
    """How the direct kernel (cols=0, conv2d_dsp_direct.c.j2) reads each window of the OHWI
    weights w: TAPS, a segment per tap everywhere; else a segment per window row, the windows
    partly off the input left or right GATHERed into rows on the stack, or (taps of whole words)
    read a segment per tap. XS: segments of whole words whose window the fully connected kernel
    would expand (fully_connected.expansion_words; with small weights at least XS_W16_MIN
    values) are expanded into XS words of int16 pairs on the stack (aot_conv_pxo: three
    instructions per 4 MACs). Else w16: int16 weights (aot_conv_px16: no SXTB16 on them, 15
    instead of 21 instructions per 16 MACs) for segments that are not whole words, and for
    small weights (twice the flash)."""
    oc, kh, kw, ic = w.shape
    whole = ic % 4 == 0  # taps of whole words: weights and segments in the same words as rows
    taps = (dilated or not whole) and (whole or kh * kw * ic > DIRECT_STACK_LIMIT)
    seg = ic if taps else kw * ic
    w16 = seg % 4 != 0 or oc * kh * kw * ic <= W16_LIMIT
    pays = not w16 or kh * kw * ic >= XS_W16_MIN
    xs = fully_connected.expansion_words(w.reshape(oc, -1)) if seg % 4 == 0 and pays else 0
    w16 = w16 and not xs
    return {"TAPS": taps, "GATHER": not taps and not whole, "w16": w16, "S4": kw * ic, "XS": xs}


def pixel_run(op: Op, g: Graph, mode: dict) -> dict:
    """RUN: with int16 weights and a segment per window row (undilated), the output pixels ox
    of [OX0, OX1), whose windows lie inside the input left and right, go to aot_conv_px16 in one
    call per output row (where its window rows lie inside the input too)."""
    v = window_vars(op, g)
    kw = g.tensor(op.inputs[1]).shape[2]
    first = -(-v["PL"] // v["SW"])
    end = min(v["OW"], max(first, (v["W"] - kw + v["PL"]) // v["SW"] + 1))
    run = mode["w16"] and not mode["TAPS"] and v["DW"] == 1 and end - first > 1
    return {"RUN": run, "OX0": first, "OX1": end}


def direct_form(index: int, op: Op, ctx: LoweringContext, w: np.ndarray, input_offset: int) -> dict:
    """Template variables of the direct kernel: its mode (direct_mode), the weights in segment
    order and the bias with the input offset folded in (padding reads the input zero point)."""
    g = ctx.graph
    oc, kh, kw, ic = w.shape
    mode = direct_mode(w, op.attrs["dilation"][1] != 1)
    rows = w.reshape(oc, -1)
    segs = w.reshape(oc, kh * kw, ic) if mode["TAPS"] else w.reshape(oc, kh, kw * ic)
    total = conv_common.bias_of(op, g, oc, np.int64) + input_offset * rows.astype(np.int64).sum(axis=1)
    if mode["XS"]:
        words, bias = fully_connected.odd_weights(rows), fully_connected.odd_shifted(total, rows)
    else:
        words = dsp.weights_px16(segs) if mode["w16"] else dsp.weights_rows(rows, 4, natural=True)
        bias = dsp.wrap_int32(total)
    return {
        **mode, **pixel_run(op, g, mode), "direct": True, "zp": -input_offset,
        "OCTET": segs.shape[2] if mode["w16"] and segs.shape[2] in dsp.PX16_OCTETS else 0,
        "w": ctx.derived(index, "w_dsp", words, "int32"),
        "bias": ctx.derived(index, "bias_dsp", bias, "int32"),
    }


def dsp_knobs(op: Op, g: Graph) -> list:
    """Default (im2col columns), then cols=0 (no scratch: conv2d_dsp_direct.c.j2), for every shape."""
    return [(), (("cols", 0),)]


def dsp_cost_terms(op: Op, g: Graph, knobs: dict) -> dict[str, float]:
    """cols=0: the MACs and outputs of the modes with 4 weight rows at a time (all but
    aot_conv_px16_<OCTET>'s blocks of 8 rows, which the generic terms then fit), apart."""
    if knobs.get("cols") != 0 or op.kind != "conv2d":
        return {}
    w = np.asarray(g.tensor(op.inputs[1]).data, dtype=np.int8)
    mode = direct_mode(w, op.attrs["dilation"][1] != 1)
    octet = mode["w16"] and (w.shape[3] if mode["TAPS"] else w.shape[2] * w.shape[3]) in dsp.PX16_OCTETS
    size = g.tensor(op.outputs[0]).size
    return {"quad_macs": 0.0 if octet else float(size * w[0].size), "quad_outputs": 0.0 if octet else float(size)}


def dsp_scratch(op: Op, g: Graph, knobs: dict) -> int:
    """Two interleaved int16 columns: 4 * K4 bytes (K = KH * KW * IC); none with cols=0."""
    if knobs.get("cols") == 0:
        return 0
    kh, kw, ic = kernel_window(op, g)
    return 4 * dsp.round_up4(kh * kw * ic)


def dsp_applies(op: Op, g: Graph) -> bool:
    """One group (depthwise: one input channel), int8 with aot_rq's requantisation."""
    return g.tensor(op.inputs[0]).shape[3] == kernel_window(op, g)[2] and dsp.int8_dsp_ok(op, g)


def lower_dsp(index: int, op: Op, ctx: LoweringContext, knobs: dict, weights: np.ndarray | None = None) -> dict:
    g = ctx.graph
    ic, oc = g.tensor(op.inputs[0]).shape[3], g.tensor(op.outputs[0]).shape[3]
    w = g.tensor(op.inputs[1]).data if weights is None else weights
    kh, kw = w.shape[1:3]
    k = kh * kw * ic
    stage = conv_common.output_stage(op, g)
    table, out_add = dsp.rq_table(op, g, oc)
    in_place = index in ctx.plan.in_place
    if knobs.get("cols") == 0:
        form = direct_form(index, op, ctx, np.asarray(w, dtype=np.int8), stage.input_offset)
    else:
        rows = np.asarray(w, dtype=np.int8).reshape(oc, k)
        w16 = oc * k <= W16_LIMIT  # aot_mm_2col16: no SXTB16 on the weights
        form = {
            "direct": False, "K": k, "K4": dsp.round_up4(k), "in_off": stage.input_offset, "w16": w16,
            "w": ctx.derived(index, "w_dsp", dsp.weights_mm16(rows) if w16 else dsp.weights_rows(rows, 2), "int32"),
            "bias": ctx.derived(index, "bias_dsp", conv_common.bias_of(op, g, oc, np.int32), "int32"),
        }
    return {
        **form, **window_vars(op, g), "KH": kh, "KW": kw,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "rq": ctx.derived(index, "rq", table, "int32"), "out_add": out_add,
        "act_min": stage.act_min, "act_max": stage.act_max, "pointwise": one_by_one(op, kh, kw),
        "in_place": in_place, "backward": bool(in_place and oc > ic),
    }


def dsp16_applies(op: Op, g: Graph) -> bool:
    """int16x8, one group."""
    return g.tensor(op.inputs[0]).shape[3] == g.tensor(op.inputs[1]).shape[3] and dsp.int16_dsp_ok(op, g)


def dsp16_scratch(op: Op, g: Graph, knobs: dict) -> int:
    """Two int16 columns of K4 values (K = KH * KW * IC rounded up to 4); none with cols=0 or for a
    1x1 stride-1 unpadded convolution: its input pixels are read in place, or copied to the stack
    in place."""
    _, kh, kw, ic = g.tensor(op.inputs[1]).shape
    return 0 if one_by_one(op, kh, kw) or knobs.get("cols") == 0 else 4 * dsp.round_up4(kh * kw * ic)


def dsp16_knobs(op: Op, g: Graph) -> list:
    """Default, then cols=0 (no scratch: the taps read in place) where there are columns."""
    return [()] if one_by_one(op, *g.tensor(op.inputs[1]).shape[1:3]) else [(), (("cols", 0),)]


def lower_dsp16(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    w = g.tensor(op.inputs[1]).data.astype(np.int8)
    oc, kh, kw, ic = w.shape
    direct = knobs.get("cols") == 0 and not one_by_one(op, kh, kw)
    if direct:  # each tap's weights padded to whole words, as the taps are read one by one
        w = np.pad(w, ((0, 0), (0, 0), (0, 0), (0, dsp.round_up4(ic) - ic)))
    k = kh * kw * ic
    rows = w.reshape(oc, -1)
    return {
        **output_stage_vars(index, op, ctx), **window_vars(op, g),
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_dsp16", dsp.weights_rows(rows, 2), "int32"),
        "direct": direct, "IC4": dsp.round_up4(ic),
        "KH": kh, "KW": kw, "K": k, "K4": dsp.round_up4(k), "WORDS": dsp.round_up4(rows.shape[1]) // 4,
        "pointwise": one_by_one(op, kh, kw), "padded": any(op.attrs["pad"]),
        "in_place": index in ctx.plan.in_place, "backward": bool(index in ctx.plan.in_place and oc > ic),
    }


KERNELS = (
    Kernel("portable", "ops/conv2d.c.j2", lower),
    Kernel("portable", "ops/conv2d_inplace.c.j2", lower, overwrites=pointwise, in_place_only=True),
    BLOCKED_CONV2D,
    Kernel("dsp", "ops/conv2d_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies, scratch=dsp_scratch,
           overwrites=pointwise, knobs=dsp_knobs, cost_terms=dsp_cost_terms),
    Kernel("dsp16", "ops/conv2d_dsp16.c.j2", lower_dsp16, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp16_applies,
           scratch=dsp16_scratch, overwrites=pointwise, knobs=dsp16_knobs),
    Kernel("fpu", "ops/conv2d_fpu.c.j2", fpu.lower_conv, features=fpu.FPU, applies=fpu.conv_applies, overwrites=fpu.conv_in_place),
) + MVE_KERNELS
