from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.ops.output_stage import output_stage_vars


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    g = ctx.graph
    x, w, y = g.tensor(op.inputs[0]), g.tensor(op.inputs[1]), g.tensor(op.outputs[0])
    n, h, wd, ic = x.shape
    _, oh, ow, oc = y.shape
    _, kh, kw, icg = w.shape
    return {
        **output_stage_vars(index, op, ctx),
        "x": ctx.ptr(op.inputs[0]), "w": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "N": n, "H": h, "W": wd, "IC": ic, "OH": oh, "OW": ow, "OC": oc, "KH": kh, "KW": kw,
        "ICG": icg, "OCG": oc // max(ic // icg, 1),
        "SH": op.attrs["stride"][0], "SW": op.attrs["stride"][1],
        "DH": op.attrs["dilation"][0], "DW": op.attrs["dilation"][1],
        "PT": op.attrs["pad"][0], "PL": op.attrs["pad"][1],
    }


# --- DSP variant (templates/ops/conv2d_dsp.c.j2): im2col of two int16 columns at a time, 2x2 blocked
# matrix multiply with SMLAD (runtime_c/include/aot_dsp.h), requantisation fused.


def _kernel(op: Op, g) -> tuple[int, int, int]:
    """(KH, KW, IC) of the kernel (depthwise with one input channel: IC = 1)."""
    _, kh, kw, ic = g.tensor(op.inputs[1]).shape if op.kind == "conv2d" else (0, *g.tensor(op.inputs[1]).shape[1:3], 1)
    return kh, kw, ic


def direct(variant) -> bool:
    """The knob cols=0: no im2col columns, the window read straight from the input."""
    return variant.knob("cols") == 0


DIRECT_STACK_LIMIT = 256  # bytes of window rows the direct kernel may gather on the stack


def direct_ok(op: Op, g) -> bool:
    from codegen_c.variants import k4

    kh, kw, ic = _kernel(op, g)
    return kh * k4(kw * ic) <= DIRECT_STACK_LIMIT


def scratch_bytes(op: Op, g, variant) -> int:
    """Two interleaved int16 columns: 4 * K4 bytes (K = KH * KW * IC); none with cols=0."""
    from codegen_c.variants import k4

    if direct(variant):
        return 0
    kh, kw, ic = _kernel(op, g)
    return 4 * k4(kh * kw * ic)


def lower_variant(index: int, op: Op, ctx: LoweringContext, variant, in_place: bool = False, weights=None) -> dict:
    """Template variables of conv2d_dsp.c.j2; ``weights`` OHWI int8 (depthwise with IC = 1
    passes its weights transposed)."""
    import numpy as np

    from codegen_c import variants as cv

    g = ctx.graph
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    w = g.tensor(op.inputs[1]).data if weights is None else weights
    n, h, wd, ic = x.shape
    _, oh, ow, oc = y.shape
    kh, kw = w.shape[1:3]
    k = kh * kw * ic
    st = cv.conv_common.output_stage(op, g)
    pointwise = (kh, kw) == (1, 1) and tuple(op.attrs["stride"]) == (1, 1) and not any(op.attrs["pad"])
    if direct(variant):
        # window rows (KW * IC int8) zero-padded to whole words; input offset folded into the bias
        s4 = cv.k4(kw * ic)
        rows = np.zeros((oc, kh, s4), dtype=np.int8)
        rows[:, :, : kw * ic] = np.asarray(w, dtype=np.int8).reshape(oc, kh, kw * ic)
        total = cv.conv_common.bias_of(op, g, oc, np.int64) + st.input_offset * np.asarray(w, dtype=np.int64).reshape(oc, -1).sum(axis=1)
        return {
            "direct": True, "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
            "w": ctx.derived(index, "w_dsp", cv.weights_rows(rows.reshape(oc, -1), 4, natural=True), "int32"),
            "bias": ctx.derived(index, "bias_dsp", ((total + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int32), "int32"),
            "rq": ctx.derived(index, "rq", cv.rq_table(op, g, oc)[0], "int32"),
            "out_add": cv.rq_table(op, g, oc)[1], "zp": -st.input_offset,
            "act_min": st.act_min, "act_max": st.act_max,
            "N": n, "H": h, "W": wd, "IC": ic, "OH": oh, "OW": ow, "OC": oc, "KH": kh, "KW": kw, "S4": s4,
            "SH": op.attrs["stride"][0], "SW": op.attrs["stride"][1],
            "DH": op.attrs["dilation"][0], "DW": op.attrs["dilation"][1],
            "PT": op.attrs["pad"][0], "PL": op.attrs["pad"][1],
            "pointwise": pointwise, "in_place": in_place, "backward": bool(in_place and oc > ic),
        }
    return {
        "direct": False,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_dsp", cv.weights_rows(np.asarray(w, dtype=np.int8).reshape(oc, k), 2), "int32"),
        "bias": ctx.derived(index, "bias_dsp", cv.conv_common.bias_of(op, g, oc, np.int32), "int32"),
        "rq": ctx.derived(index, "rq", cv.rq_table(op, g, oc)[0], "int32"),
        "out_add": cv.rq_table(op, g, oc)[1],
        "in_off": st.input_offset, "act_min": st.act_min, "act_max": st.act_max,
        "N": n, "H": h, "W": wd, "IC": ic, "OH": oh, "OW": ow, "OC": oc, "KH": kh, "KW": kw, "K": k, "K4": cv.k4(k),
        "SH": op.attrs["stride"][0], "SW": op.attrs["stride"][1],
        "DH": op.attrs["dilation"][0], "DW": op.attrs["dilation"][1],
        "PT": op.attrs["pad"][0], "PL": op.attrs["pad"][1],
        "pointwise": pointwise, "backward": bool(in_place and oc > ic),
    }
