from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.ops.output_stage import output_stage_vars


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    g = ctx.graph
    n, k = g.tensor(op.inputs[1]).shape
    return {
        **output_stage_vars(index, op, ctx, product_in_float=True),
        "x": ctx.ptr(op.inputs[0]), "w": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "B": g.tensor(op.inputs[0]).size // k, "N": n, "K": k,
    }


# --- DSP variant (templates/ops/fully_connected_dsp.c.j2): four weight rows at a time meet the
# int8 input words read in place (SXTB16 of bytes 0,2 and 1,3; weights in natural byte order)
# with SMLAD (aot_fc_s8 in aot_dsp.h); the input offset is folded into the bias at compile time
# (bias + in_off * row sum), so the kernel needs no scratch.


def folded_bias(op: Op, g) -> "np.ndarray":
    """bias[r] + input_offset * sum_k w[r, k] (int32, wrapping like the kernel's sums)."""
    import numpy as np

    from codegen_c import variants as cv

    n, _ = g.tensor(op.inputs[1]).shape
    st = cv.conv_common.output_stage(op, g, True)
    rows = g.tensor(op.inputs[1]).data.astype(np.int64).sum(axis=1)
    total = cv.conv_common.bias_of(op, g, n, np.int64) + st.input_offset * rows
    return ((total + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int32)


def lower_variant(index: int, op: Op, ctx: LoweringContext, variant, in_place: bool = False) -> dict:
    import numpy as np

    from codegen_c import variants as cv

    g = ctx.graph
    n, k = g.tensor(op.inputs[1]).shape
    st = cv.conv_common.output_stage(op, g, True)
    return {
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_dsp", cv.weights_rows(g.tensor(op.inputs[1]).data.astype(np.int8), 4, natural=True), "int32"),
        "bias": ctx.derived(index, "bias_dsp", folded_bias(op, g), "int32"),
        "rq": ctx.derived(index, "rq", cv.rq_table(op, g, n, True)[0], "int32"),
        "out_add": cv.rq_table(op, g, n, True)[1],
        "act_min": st.act_min, "act_max": st.act_max,
        "B": g.tensor(op.inputs[0]).size // k, "N": n, "K": k,
    }
