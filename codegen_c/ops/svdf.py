"""SVDF kernels, the activation state in the state area (codegen_c/context.py ``ptr`` of a
variable tensor), TFLM's layout [batch][filter][memory]:

- portable (templates/ops/svdf.c.j2): TFLM's reference loops, no scratch; each unit's ``rank``
  time dot products are summed as they are computed;
- dsp (svdf_dsp.c.j2), int8 state and a memory size a multiple of 4: the state shifts one byte
  left a word at a time; the feature stage is a fully connected layer with SMLAD (aot_fc_s8,
  the input offset folded into a bias) into a scratch of one int8 per filter, then the state's
  zero point added into each filter's last column; the time stage SMLADs each filter's state
  row with its time weights, the state zero point folded into each unit's bias
  (sum w * (s - zp) = sum w * s - zp * sum w, exact in wrapping int32)."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops import svdf
from codegen_c import dsp
from codegen_c.cfmt import c_float, ctype
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    v = {**_constants(op, ctx.graph), "wf": ctx.ptr(op.inputs[1]), "wt": ctx.ptr(op.inputs[2]),
         "bias": ctx.ptr(op.inputs[3]) if op.inputs[3] is not None else None}
    return _io(op, ctx) | v


def _io(op: Op, ctx: LoweringContext) -> dict:
    return {"x": ctx.ptr(op.inputs[0]), "state": ctx.ptr(op.inputs[4], writable=True), "y": ctx.ptr(op.outputs[0], writable=True)}


def _constants(op: Op, g: Graph) -> dict:
    """Shapes, the state's C type, and the quantisation constants (int8) or activation bounds (float32)."""
    batch, n_input, n_filter, n_unit, memory = svdf.dims(op, g)
    st = g.tensor(op.inputs[4])
    v = {"ST": ctype(st.dtype), "B": batch, "K": n_input, "F": n_filter, "U": n_unit, "R": op.attrs["rank"], "M": memory,
         "quantized": st.dtype != "float32"}
    if not v["quantized"]:
        lo, hi = quant.activation_range(op.attrs["activation"], "float32", None, 0)
        v["act"] = None if op.attrs["activation"] == "NONE" else (c_float(lo), c_float(hi))
        return v
    (m1, e1), (m2, e2) = svdf.scales(op, g)
    info = np.iinfo(st.np_dtype)
    return {**v, "m1": m1, "e1": e1, "m2": m2, "e2": e2, "x_zp": g.tensor(op.inputs[0]).quant.tensor_zero_point,
            "s_zp": st.quant.tensor_zero_point, "y_zp": g.tensor(op.outputs[0]).quant.tensor_zero_point,
            "s_min": int(info.min), "s_max": int(info.max)}


def dsp_applies(op: Op, g: Graph) -> bool:
    """int8 throughout, a memory size of whole words, and an input -> state rescaling aot_rq does
    exactly (a right shift of 1..31, a normalised multiplier)."""
    if {g.tensor(op.inputs[k]).dtype for k in (0, 1, 2, 4)} | {g.tensor(op.outputs[0]).dtype} != {"int8"}:
        return False
    (m1, e1), _ = svdf.scales(op, g)
    return svdf.dims(op, g)[4] % 4 == 0 and _one_rounding(m1, e1)


def _one_rounding(multiplier: int, shift: int) -> bool:
    """aot_rq's one rounding equals MultiplyByQuantizedMultiplier's two (codegen_c/dsp.py fast_requant)."""
    return multiplier == 0 or (-31 <= shift <= -1 and multiplier > (1 << 30))


def dsp_scratch(op: Op, g: Graph, knobs: dict) -> int:
    return dsp.round_up4(svdf.dims(op, g)[2])  # the feature stage's output, one int8 per filter


def lower_dsp(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    v = {**_constants(op, g), **_io(op, ctx)}
    batch, n_input, n_filter, n_unit, memory = svdf.dims(op, g)
    wf = g.tensor(op.inputs[1]).data.astype(np.int64)
    wt = g.tensor(op.inputs[2]).data.astype(np.int64)
    time_bias = g.tensor(op.inputs[3]).data.astype(np.int64) - v["s_zp"] * wt.sum(axis=1).reshape(n_unit, -1).sum(axis=1)
    rq = np.asarray([dsp.rq_row(v["m1"], v["e1"], 0)] * n_filter, dtype=np.int64).astype(np.int32).reshape(-1)
    if _one_rounding(v["m2"], v["e2"]):  # the output stage as aot_rq (+ the output offset if it does not fold)
        folds = dsp.folds_offset(np.asarray([v["e2"]]), np.asarray([v["m2"]]))
        row = np.asarray(dsp.rq_row(v["m2"], v["e2"], v["y_zp"] if folds else 0), dtype=np.int64).astype(np.int32)
        v["out_rq"], v["out_add"] = ", ".join(f"{int(k)}" for k in row[:2]) + f", {int(row[2]) & 0xFFFFFFFF}u, {int(row[3])}", (0 if folds else v["y_zp"])
    return {**v, "words": batch * n_filter * memory // 4, "MW": memory // 4,
            "wf": ctx.derived(index, "wf_dsp", dsp.weights_rows(wf.astype(np.int8), 4, natural=True), "int32"),
            "feature_bias": ctx.derived(index, "feature_bias", dsp.wrap_int32(-v["x_zp"] * wf.sum(axis=1)), "int32"),
            "rq": ctx.derived(index, "rq", rq, "int32"),
            "wt": ctx.derived(index, "wt_dsp", wt.astype(np.int8).reshape(-1).view("<i4"), "int32"),
            "time_bias": ctx.derived(index, "time_bias", dsp.wrap_int32(time_bias), "int32")}


KERNELS = (
    Kernel("portable", "ops/svdf.c.j2", lower),
    Kernel("dsp", "ops/svdf_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies,
           scratch=dsp_scratch),
)
