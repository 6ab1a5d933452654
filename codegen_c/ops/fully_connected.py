"""FULLY_CONNECTED kernels: portable (templates/ops/fully_connected.c.j2) and DSP
(fully_connected_dsp.c.j2): the int8 input expanded once per call into int16 pairs on the stack
(SXTB16 of bytes 0,2 and 1,3), shared by four weight rows a step (LDM of their natural-order
weight words, SXTB16, SMLAD: aot_fc_s8x in aot_dsp.h); the input offset is folded into the bias
at compile time (bias + in_off * row sum), so the kernel needs no scratch. Knob ``w16=1``: the
weights expanded to int16 at compile time (twice their flash, no SXTB16: aot_fc_s8w16). Inputs
longer than ``FC_STACK_LIMIT`` bytes of pairs are read in place (aot_fc_s8). int16x8 has its own
DSP kernel (fully_connected_dsp16.c.j2: four weight rows at a time, SXTB16 on the weights and
SMLAD on the int16 input pairs read in place, in int32 runs that cannot overflow added to exact
int64 sums, the portable output stage)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from codegen_c import dsp
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
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


def expanded_words(op: Op, g: Graph, wide: bool = False) -> int:
    """int32 words of the input as int16 pairs on the stack, 0: read in place (aot_fc_s8). With
    int8 weights the expansion (about 6 instructions per 4 inputs) pays from two 4-row blocks
    on (it saves about 4 per block); int16 weights (``wide``) always need it."""
    n, k = g.tensor(op.inputs[1]).shape
    words = dsp.round_up4(k) // 2
    return words if 4 * words <= FC_STACK_LIMIT and (wide or n >= 8) else 0


def dsp_knobs(op: Op, g: Graph) -> list:
    """Default (int8 weights), then w16=1 (int16 weights: twice the weights' flash, faster)
    where the input fits the stack."""
    return [(), (("w16", 1),)] if expanded_words(op, g, wide=True) else [()]


def weights_pairs(w: np.ndarray) -> np.ndarray:
    """[rows, K] int8 -> int32 words of int16 pairs for aot_fc_s8w16: per row and group of 4
    values (w0, w2), (w1, w3) (K zero-padded to a multiple of 4), quads of rows interleaved per
    group (8 words), the last rows % 4 one after another."""
    rows, k = w.shape
    padded = np.zeros((rows, dsp.round_up4(k)), dtype=np.int16)
    padded[:, :k] = w
    groups = padded.shape[1] // 4
    words = padded.reshape(rows, groups, 4)[:, :, [0, 2, 1, 3]].copy().view("<i4").reshape(rows, groups, 2)
    full = rows // 4 * 4
    head = words[:full].reshape(full // 4, 4, groups, 2).transpose(0, 2, 1, 3).reshape(-1)
    return np.concatenate([head, words[full:].reshape(-1)]).astype(np.int32)


def lower_dsp(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    n, k = g.tensor(op.inputs[1]).shape
    stage = conv_common.output_stage(op, g, True)
    table, out_add = dsp.rq_table(op, g, n, True)
    w = g.tensor(op.inputs[1]).data.astype(np.int8)
    wide = bool(knobs.get("w16") and expanded_words(op, g, wide=True))
    xs = expanded_words(op, g, wide)
    return {
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_dsp16w" if wide else "w_dsp", weights_pairs(w) if wide else dsp.weights_rows(w, 4, natural=True), "int32"),
        "kernel": "aot_fc_s8w16" if wide else ("aot_fc_s8x" if xs else "aot_fc_s8"), "xs": xs,
        "bias": ctx.derived(index, "bias_dsp", folded_bias(op, g), "int32"),
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
    Kernel("dsp", "ops/fully_connected_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies,
           knobs=dsp_knobs),
    Kernel("dsp16", "ops/fully_connected_dsp16.c.j2", lower_dsp16, features=dsp.DSP, runtime=dsp.RUNTIME,
           applies=dsp.int16_dsp_ok),
)
