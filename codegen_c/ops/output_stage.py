"""Template variables of the requantising output stage shared by conv, depthwise and fc."""
from __future__ import annotations

from aot.core import quant
from aot.core.ir import Op
from aot.ops import conv_common
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext


def output_stage_vars(index: int, op: Op, ctx: LoweringContext, product_in_float: bool = False) -> dict:
    g = ctx.graph
    x = g.tensor(op.inputs[0])
    bias = op.inputs[2] if len(op.inputs) > 2 and op.inputs[2] is not None else None
    v = {"quantized": x.dtype in ("int8", "int16"), "bias": ctx.ptr(bias) if bias else None,
         "wide": conv_common.wide_accumulator(op, g)}
    if x.dtype == "float32":
        lo, hi = quant.activation_range(op.attrs.get("activation", "NONE"), "float32", None, 0)
        v.update(fmin=c_float(lo), fmax=c_float(hi), clamp=op.attrs.get("activation", "NONE") != "NONE")
        return v
    st = conv_common.output_stage(op, g, product_in_float)
    per_channel = st.multiplier.size > 1
    v.update(
        in_off=st.input_offset,
        w_off=st.weight_offset,
        out_off=st.output_offset,
        act_min=st.act_min,
        act_max=st.act_max,
        per_channel=per_channel,
        mult=ctx.derived(index, "mult", st.multiplier, "int32") if per_channel else int(st.multiplier[0]),
        shift=ctx.derived(index, "shift", st.shift, "int32") if per_channel else int(st.shift[0]),
    )
    return v
