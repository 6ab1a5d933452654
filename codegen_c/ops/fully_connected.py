"""FULLY_CONNECTED kernels: portable (templates/ops/fully_connected.c.j2) and DSP
(fully_connected_dsp.c.j2): four weight rows at a time meet the int8 input words read in place
(SXTB16 of bytes 0,2 and 1,3; weights in natural byte order) with SMLAD (aot_fc_s8 in
aot_dsp.h); the input offset is folded into the bias at compile time (bias + in_off * row
sum), so the kernel needs no scratch. int16x8 has its own DSP kernel (fully_connected_dsp16.c.j2:
four weight rows at a time, SXTB16 on the weights and SMLAD on the int16 input pairs read in place,
in int32 runs that cannot overflow added to exact int64 sums, the portable output stage)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from codegen_c import dsp
from codegen_c.blocked import BLOCKED_FULLY_CONNECTED
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


def lower_dsp(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    n, k = g.tensor(op.inputs[1]).shape
    stage = conv_common.output_stage(op, g, True)
    table, out_add = dsp.rq_table(op, g, n, True)
    return {
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_dsp", dsp.weights_rows(g.tensor(op.inputs[1]).data.astype(np.int8), 4, natural=True), "int32"),
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
    BLOCKED_FULLY_CONNECTED,
    Kernel("dsp", "ops/fully_connected_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies),
    Kernel("dsp16", "ops/fully_connected_dsp16.c.j2", lower_dsp16, features=dsp.DSP, runtime=dsp.RUNTIME,
           applies=dsp.int16_dsp_ok),
)
