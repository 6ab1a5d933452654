"""FULLY_CONNECTED kernels: portable (templates/ops/fully_connected.c.j2) and DSP
(fully_connected_dsp.c.j2): the int8 input expanded once per call into pairs of int16 words
(y, z) on the stack, shared by four weight rows a step: a weight word w0..w3 (w1, w3 adjusted at
compile time) read as int16 lanes L = (256 w1 + w0, 256 w3 + w2) and its SXTB16 E = (w0, w2)
give SMLAD(L, y) + SMLAD(E, z) = 256 * (its 4 MACs) - 32512 (w1 + w3), three instructions per 4
MACs (aot_fc_s8o in aot_dsp.h; in int32 runs of 256 inputs, each shifted right by 8: the 127
(w1 + w3) terms are added back in the bias at compile time). The input offset is folded into the bias at compile time (bias + in_off * row sum),
so the kernel needs no scratch. Knob ``w16=1``: E stored beside L (twice the weights' flash, two
instructions per 4 MACs: aot_fc_s8w16). Inputs longer than ``FC_STACK_LIMIT`` bytes of pairs,
and weights of -128, are read in place (aot_fc_s8: SXTB16 of bytes 0,2 and 1,3 of the input
and weight words, four instructions per 4 MACs). int16x8 has its own
DSP kernel (fully_connected_dsp16.c.j2: four weight rows at a time, SXTB16 on the weights and
SMLAD on the int16 input pairs read in place, in int32 runs that cannot overflow added to exact
int64 sums, the portable output stage)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from codegen_c import dsp, fpu
from codegen_c.blocked import BLOCKED_FULLY_CONNECTED
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops.fully_connected_mve import MVE_KERNELS
from codegen_c.ops.output_stage import output_stage_vars


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    n, k = g.tensor(op.inputs[1]).shape
    return {
        **output_stage_vars(index, op, ctx, product_in_float=True),
        "x": ctx.ptr(op.inputs[0]), "w": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "B": g.tensor(op.inputs[0]).size // k, "N": n, "K": k,
    }


def folded_bias(op: Op, g: Graph) -> np.ndarray:
    """bias[r] + input_offset * sum_k w[r, k] (int32, wrapping like the kernel's sums)."""
    n, _ = g.tensor(op.inputs[1]).shape
    stage = conv_common.output_stage(op, g, True)
    rows = g.tensor(op.inputs[1]).data.astype(np.int64).sum(axis=1)
    return dsp.wrap_int32(conv_common.bias_of(op, g, n, np.int64) + stage.input_offset * rows)


def dsp_applies(op: Op, g: Graph) -> bool:
    return dsp.int8_dsp_ok(op, g, product_in_float=True)


FC_STACK_LIMIT = 2048  # bytes of int16 input pairs the DSP kernel may keep on the stack (K <= 1024)
FC_RUN = 64  # groups of 4 values per int32 run of aot_fc_s8o (AOT_FC_RUN in aot_dsp.c)
ODD_SHIFT = 127  # SMLAD(L, y) + SMLAD(E, z) = 256 * (dot - ODD_SHIFT * (w1 + w3))


def expanded_words(op: Op, g: Graph, wide: bool = False) -> int:
    """int32 words of the input as (y, z) pairs on the stack (aot_fc_s8o), 0: read in place
    (aot_fc_s8): beyond the stack limit, weights of -128 (the pairs need [-127, 127]), or
    with int8 weights fewer than two 4-row blocks or than 32 inputs (the expansion, about 8
    instructions per 4 inputs, and the longer setup of a block, about 40, pay from there on:
    each block saves 7 per 4 inputs; measured on qemu-mps2-an386); int16 weights (``wide``)
    need it."""
    return expansion_words(g.tensor(op.inputs[1]).data, wide)


def expansion_words(w: np.ndarray, wide: bool = False) -> int:
    """expanded_words of the [rows, K] weights w (also the direct convolution's, per pixel)."""
    n, k = w.shape
    words = dsp.round_up4(k) // 2
    fits = 4 * words <= FC_STACK_LIMIT and int(np.min(w)) >= -127
    return words if fits and (wide or (n >= 8 and k >= 32)) else 0


def dsp_knobs(op: Op, g: Graph) -> list:
    """Default (int8 weights), then w16=1 (int16 weights: twice the weights' flash, faster)
    where the input is expanded."""
    return [(), (("w16", 1),)] if expanded_words(op, g, wide=True) else [()]


def dsp_flash(op: Op, g: Graph, knobs: dict) -> int:
    """w16=1 stores every weight twice as wide: the int8 weights' bytes more flash."""
    return g.tensor(op.inputs[1]).size if knobs.get("w16") else 0


def _padded(w: np.ndarray) -> np.ndarray:
    """[rows, K] -> int32 [rows, K4], zeros past K."""
    out = np.zeros((w.shape[0], dsp.round_up4(w.shape[1])), dtype=np.int32)
    out[:, :w.shape[1]] = w
    return out


def _quads(per_row: np.ndarray) -> np.ndarray:
    """[rows, groups, words] -> flat: quads of rows interleaved per group, the last rows % 4
    one after another (aot_fc_s8's row order)."""
    rows, groups, words = per_row.shape
    full = rows // 4 * 4
    head = per_row[:full].reshape(full // 4, 4, groups, words).transpose(0, 2, 1, 3).reshape(-1)
    return np.concatenate([head, per_row[full:].reshape(-1)])


def odd_weights(w: np.ndarray) -> np.ndarray:
    """[rows, K] weights in [-127, 127] -> aot_fc_s8o's int32 words: natural byte order, w1 and
    w3 of each group lowered by one where w0, resp. w2, is negative (so that the word's int16
    lanes read 256 w1 + w0, 256 w3 + w2)."""
    p = _padded(w)
    p[:, 1::2] -= p[:, 0::2] < 0
    return dsp.weights_rows(p.astype(np.int8), 4, natural=True)


def wide_weights(w: np.ndarray) -> np.ndarray:
    """[rows, K] -> aot_fc_s8w16's int32 words: per row and group L = (256 w1 + w0, 256 w3 +
    w2) and E = (w0, w2) as int16 lanes, quads of rows interleaved per group."""
    p = _padded(w)
    lanes = np.stack([256 * p[:, 1::2] + p[:, 0::2], p[:, 0::2]], axis=-1)  # [rows, 2 * groups, 2 words]
    lanes = lanes.reshape(p.shape[0], -1, 2, 2).transpose(0, 1, 3, 2)  # [rows, groups, L|E, lane]
    words = lanes.astype("<i2").reshape(p.shape[0], -1, 2, 2).copy().view("<i4").reshape(p.shape[0], -1, 2)
    return _quads(words).astype(np.int32)


def odd_bias(op: Op, g: Graph) -> np.ndarray:
    """aot_fc_s8o's bias: the folded bias plus ODD_SHIFT * the row's sum of w1 + w3 (the
    kernel's runs sum the dot products minus that), wrapped to int32."""
    return odd_shifted(folded_bias(op, g), g.tensor(op.inputs[1]).data)


def odd_shifted(bias: np.ndarray, w: np.ndarray) -> np.ndarray:
    """bias plus ODD_SHIFT * each row's sum of w1 + w3 of the [rows, K] weights w, wrapped to int32."""
    odd = _padded(w)[:, 1::2].astype(np.int64).sum(axis=1)
    return dsp.wrap_int32(np.asarray(bias, dtype=np.int64) + ODD_SHIFT * odd)


def lower_dsp(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    n, k = g.tensor(op.inputs[1]).shape
    stage = conv_common.output_stage(op, g, True)
    table, out_add = dsp.rq_table(op, g, n, True)
    w = g.tensor(op.inputs[1]).data.astype(np.int8)
    wide = bool(knobs.get("w16") and expanded_words(op, g, wide=True))
    xs = expanded_words(op, g, wide)
    if wide:
        kernel, words = "aot_fc_s8w16", wide_weights(w)
    elif xs:
        kernel, words = "aot_fc_s8o", odd_weights(w)
    else:
        kernel, words = "aot_fc_s8", dsp.weights_rows(w, 4, natural=True)
    return {
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_" + kernel, words, "int32"), "kernel": kernel, "xs": xs,
        "bias": ctx.derived(index, "bias_dsp", odd_bias(op, g) if xs else folded_bias(op, g), "int32"),
        "rq": ctx.derived(index, "rq", table, "int32"), "out_add": out_add,
        "act_min": stage.act_min, "act_max": stage.act_max,
        "B": g.tensor(op.inputs[0]).size // k, "N": n, "K": k,
    }


def lower_dsp16(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    w = g.tensor(op.inputs[1]).data.astype(np.int8)
    n, k = w.shape
    return {
        **output_stage_vars(index, op, ctx, product_in_float=True),
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_dsp16", dsp.weights_rows(w, 4), "int32"),
        "B": g.tensor(op.inputs[0]).size // k, "OC": n, "K": k, "WORDS": dsp.round_up4(k) // 4,
    }


KERNELS = (
    Kernel("portable", "ops/fully_connected.c.j2", lower),
    BLOCKED_FULLY_CONNECTED,
    Kernel("dsp", "ops/fully_connected_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies,
           knobs=dsp_knobs, flash=dsp_flash),
    Kernel("dsp16", "ops/fully_connected_dsp16.c.j2", lower_dsp16, features=dsp.DSP, runtime=dsp.RUNTIME,
           applies=dsp.int16_dsp_ok),
    Kernel("fpu", "ops/conv2d_fpu.c.j2", fpu.lower_fc, features=fpu.FPU, applies=fpu.fc_applies),
) + MVE_KERNELS
