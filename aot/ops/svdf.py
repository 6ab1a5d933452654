"""SVDF (TFLite's singular value decomposition filter, a rank-``rank`` approximation of a
densely connected layer over time), with persistent state.

inputs: x [batch, input_size], weights_feature [num_filters, input_size], weights_time
[num_filters, memory_size], bias [num_units] (optional for float32; num_units = num_filters / rank),
state [batch, memory_size * num_filters], a variable tensor (``Tensor.variable``) updated in place.
outputs: y [batch, num_units]. attrs: rank, activation (float32 only: TFLM's int8 kernel clamps
to int8 and applies none).

Each inference (TFLM's svdf_common.cc, EvalIntegerSvdfReference / EvalFloatSvdfReference):
the state of every filter shifts left by one; its last column becomes the input times the
filter's feature weights (int8: rescaled to the state's quantisation, clamped to its type, then
the state's zero point added, wrapping on overflow as the tflite-micro our tests run does; later
TFLM versions add the zero point before the clamp);
then out[b, u] = bias[u] + sum over the unit's ``rank`` filters of weights_time . state
(int8: minus the state's zero point, rescaled to the output's quantisation).
The int8 form takes an int8 or int16 state (weights_time of the same type).
"""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(updates=(4,))

STATE_TYPES = ("int8", "int16")


def dims(op: Op, g: Graph) -> tuple[int, int, int, int, int]:
    """(batch, input_size, num_filters, num_units, memory_size)."""
    batch, n_input = g.tensor(op.inputs[0]).shape
    n_filter = g.tensor(op.inputs[1]).shape[0]
    memory = g.tensor(op.inputs[2]).shape[1]
    return batch, n_input, n_filter, n_filter // op.attrs["rank"], memory


def check(op: Op, g: Graph) -> list[str]:
    if len(op.inputs) != 5 or op.inputs[4] is None or any(op.inputs[k] is None for k in range(3)):
        return ["svdf takes input, weights_feature, weights_time, optional bias and the state"]
    x, wf, wt, st = (g.tensor(op.inputs[k]) for k in (0, 1, 2, 4))
    bias = g.tensor(op.inputs[3]) if op.inputs[3] is not None else None
    y = g.tensor(op.outputs[0])
    rank = op.attrs["rank"]
    if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 or len(st.shape) != 2 or len(y.shape) != 2:
        return ["svdf input, weights, state and output must be 2-D"]
    if not wf.is_const or not wt.is_const or (bias is not None and not bias.is_const):
        return ["svdf weights and bias must be constant"]
    if rank < 1 or wf.shape[0] % rank:
        return [f"rank {rank} does not divide the {wf.shape[0]} filters"]
    batch, n_input, n_filter, n_unit, memory = dims(op, g)
    problems = []
    if wf.shape[1] != n_input or wt.shape[0] != n_filter:
        problems.append(f"weights {list(wf.shape)} / {list(wt.shape)} do not fit input {list(x.shape)}")
    if st.shape != (batch, memory * n_filter):
        problems.append(f"state {list(st.shape)} is not [{batch}, {memory * n_filter}]")
    if y.shape != (batch, n_unit) or (bias is not None and bias.size != n_unit):
        problems.append(f"output {list(y.shape)} / bias is not [{batch}, {n_unit}]")
    if x.dtype == "float32":
        if {wf.dtype, wt.dtype, st.dtype, y.dtype, bias.dtype if bias else "float32"} != {"float32"}:
            problems.append("float32 svdf needs float32 weights, bias, state and output")
        elif op.attrs["activation"] not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
            problems.append(f"activation {op.attrs['activation']} is not supported")
        return problems
    if x.dtype != "int8" or wf.dtype != "int8" or y.dtype != "int8":
        return problems + [f"svdf takes int8 or float32 input, weights_feature and output (got {x.dtype}, {wf.dtype}, {y.dtype})"]
    if st.dtype not in STATE_TYPES or wt.dtype != st.dtype:
        problems.append(f"int8 svdf needs an int8 or int16 state and weights_time of its type (got {st.dtype}, {wt.dtype})")
    if bias is None or bias.dtype != "int32":
        problems.append("int8 svdf needs an int32 bias (TFLM reads its scale)")
    tensors = (x, wf, wt, st, y, bias) if bias is not None else (x, wf, wt, st, y)
    if any(t.quant is None or not t.quant.per_tensor for t in tensors):
        problems.append("int8 svdf needs per-tensor quantisation of every operand")
    elif bias is not None and abs(bias.quant.tensor_scale - st.quant.tensor_scale * wt.quant.tensor_scale) >= 1e-5:
        problems.append("the bias scale is not state scale x weights_time scale")
    return problems


def macs(op: Op, g: Graph) -> int:
    batch, n_input, n_filter, _, memory = dims(op, g)
    return batch * n_filter * (n_input + memory)


def scales(op: Op, g: Graph) -> tuple[tuple[int, int], tuple[int, int]]:
    """The two (multiplier, shift) pairs: input x feature weights -> state, state x time
    weights -> output, from float32 products as TFLM's PrepareSvdf computes them."""
    x, wf, wt, st = (g.tensor(op.inputs[k]) for k in (0, 1, 2, 4))
    y = g.tensor(op.outputs[0])
    f = np.float32
    s1 = f(x.quant.tensor_scale) * f(wf.quant.tensor_scale) / f(st.quant.tensor_scale)
    s2 = f(st.quant.tensor_scale) * f(wt.quant.tensor_scale) / f(y.quant.tensor_scale)
    return quant.quantize_multiplier(float(s1)), quant.quantize_multiplier(float(s2))


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, wf, wt, bias, state = inputs
    batch, _, n_filter, n_unit, memory = dims(op, g)
    st = g.tensor(op.inputs[4])
    y = g.tensor(op.outputs[0])
    rank = op.attrs["rank"]
    s = np.array(state).reshape(batch, n_filter, memory)
    s[:, :, :-1] = s[:, :, 1:].copy()
    if x.dtype == np.float32:
        s[:, :, -1] = (x.astype(np.float64) @ wf.astype(np.float64).T).astype(np.float32)
        acc = np.einsum("bfm,fm->bf", s.astype(np.float64), wt.astype(np.float64))
        out = acc.reshape(batch, n_unit, rank).sum(axis=2) + (0.0 if bias is None else bias.astype(np.float64))
        return [quant.float_clamp(out, op.attrs["activation"]).astype(np.float32).reshape(y.shape), s.reshape(st.shape)]
    (m1, e1), (m2, e2) = scales(op, g)
    x_zp, s_zp, y_zp = (g.tensor(op.inputs[0]).quant.tensor_zero_point, st.quant.tensor_zero_point,
                        y.quant.tensor_zero_point)
    info = np.iinfo(st.np_dtype)
    dot = quant.wrap_int32((x.astype(np.int64) - x_zp) @ wf.astype(np.int64).T)
    new = np.clip(quant.mbqm(dot, m1, e1), info.min, info.max) + s_zp  # clamped before the zero point: see above
    s[:, :, -1] = (new - info.min) % (1 << info.bits) + info.min  # stored wrapping, as C's conversion
    time = quant.wrap_int32(np.einsum("bfm,fm->bf", s.astype(np.int64) - s_zp, wt.astype(np.int64)))
    acc = quant.wrap_int32(time.reshape(batch, n_unit, rank).sum(axis=2) + bias.astype(np.int64))
    out = np.clip(quant.mbqm(acc, m2, e2) + y_zp, -128, 127).astype(np.int8)
    return [out.reshape(y.shape), s.reshape(st.shape)]
