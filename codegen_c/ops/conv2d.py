from __future__ import annotations

from aot.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.ops.output_stage import output_stage_vars


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    g = ctx.graph
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    n, h, wd, ic = x.shape
    _, oh, ow, oc = y.shape
    _, kh, kw, icg = w.shape
    return {
        **output_stage_vars(index, op, ctx, oc),
        "x": ctx.ptr(op.inputs[0]), "w": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "N": n, "H": h, "W": wd, "IC": ic, "OH": oh, "OW": ow, "OC": oc, "KH": kh, "KW": kw,
        "ICG": icg, "OCG": oc // max(ic // icg, 1),
        "SH": op.attrs["stride"][0], "SW": op.attrs["stride"][1],
        "DH": op.attrs["dilation"][0], "DW": op.attrs["dilation"][1],
        "PT": op.attrs["pad"][0], "PL": op.attrs["pad"][1],
    }
