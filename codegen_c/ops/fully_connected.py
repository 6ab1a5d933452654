from __future__ import annotations

from aot.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.ops.output_stage import output_stage_vars


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    g = ctx.graph
    n, k = g.t(op.inputs[1]).shape
    return {
        **output_stage_vars(index, op, ctx, n, product_in_float=True),
        "x": ctx.ptr(op.inputs[0]), "w": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "B": g.t(op.inputs[0]).size // k, "N": n, "K": k,
    }


# --- DSP variant (templates/ops/fully_connected_dsp.c.j2): the input row, offset added, as one
# int16 column in the scratch buffer; four weight rows at a time with SMLAD (aot_mm_1col).


def scratch_bytes(op: Op, g, variant) -> int:
    from codegen_c.variants import k4

    return k4(g.t(op.inputs[1]).shape[1]) * 2


def lower_variant(index: int, op: Op, ctx: LoweringContext, variant, in_place: bool = False) -> dict:
    import numpy as np

    from codegen_c import variants as cv

    g = ctx.graph
    n, k = g.t(op.inputs[1]).shape
    st = cv.conv_common.output_stage(op, g, True)
    return {
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_dsp", cv.weights_rows(g.t(op.inputs[1]).data.astype(np.int8), 4), "int32"),
        "bias": ctx.derived(index, "bias_dsp", cv.conv_common.bias_of(op, g, n, np.int32), "int32"),
        "rq": ctx.derived(index, "rq", cv.rq_table(op, g, n, True)[0], "int32"),
        "out_add": cv.rq_table(op, g, n, True)[1],
        "in_off": st.input_offset, "act_min": st.act_min, "act_max": st.act_max,
        "B": g.t(op.inputs[0]).size // k, "N": n, "K": k, "K4": cv.k4(k),
    }
