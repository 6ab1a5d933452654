"""SVDF kernel (templates/ops/svdf.c.j2): TFLM's reference loops, the activation state in the
state area (codegen_c/context.py ``ptr`` of a variable tensor), no scratch: each unit's
``rank`` time dot products are summed as they are computed."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Op
from aot.ops import svdf
from codegen_c.cfmt import c_float, ctype
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    batch, n_input, n_filter, n_unit, memory = svdf.dims(op, g)
    st = g.tensor(op.inputs[4])
    v = {
        "x": ctx.ptr(op.inputs[0]), "wf": ctx.ptr(op.inputs[1]), "wt": ctx.ptr(op.inputs[2]),
        "bias": ctx.ptr(op.inputs[3]) if op.inputs[3] is not None else None,
        "state": ctx.ptr(op.inputs[4], writable=True), "y": ctx.ptr(op.outputs[0], writable=True),
        "ST": ctype(st.dtype), "B": batch, "K": n_input, "F": n_filter, "U": n_unit, "R": op.attrs["rank"], "M": memory,
        "quantized": st.dtype != "float32",
    }
    if not v["quantized"]:
        lo, hi = quant.activation_range(op.attrs["activation"], "float32", None, 0)
        v["act"] = None if op.attrs["activation"] == "NONE" else (c_float(lo), c_float(hi))
        return v
    (m1, e1), (m2, e2) = svdf.scales(op, g)
    info = np.iinfo(st.np_dtype)
    return {**v, "m1": m1, "e1": e1, "m2": m2, "e2": e2, "x_zp": g.tensor(op.inputs[0]).quant.tensor_zero_point,
            "s_zp": st.quant.tensor_zero_point, "y_zp": g.tensor(op.outputs[0]).quant.tensor_zero_point,
            "s_min": int(info.min), "s_max": int(info.max)}


KERNELS = (Kernel("portable", "ops/svdf.c.j2", lower),)
