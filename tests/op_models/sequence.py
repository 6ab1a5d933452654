"""Random single-op models of the operators whose state persists across inferences: SVDF (int8
with an int8 or int16 activation state, float32), and a resource variable (VAR_HANDLE,
READ_VARIABLE, ADD, ASSIGN_VARIABLE: an accumulator, initialised by CALL_ONCE or not)."""
from __future__ import annotations

import numpy as np
import tflite

from tests.op_models.base import BOTH, Model, quant_for_range


def make_svdf(rng: np.random.Generator, dtype: str, memory: int | None = None, state: str | None = None) -> bytes:
    """``memory`` (time steps) and ``state`` (int8: its type) as given, else random."""
    m = Model(rng, dtype)
    batch, n_input = m.batch(), int(rng.integers(1, 17))
    units, rank = int(rng.integers(1, 9)), int(rng.integers(1, 4))
    memory = memory or int(rng.integers(1, 11))
    filters = units * rank
    x = m.input("x", (batch, n_input))
    activation = m.activation()
    if not m.q:
        wf, _ = m.weights("weights_feature", (filters, n_input), None, n_input)
        wt, _ = m.weights("weights_time", (filters, memory), None, memory)
        bias = m.b.add_tensor("bias", (units,), "float32", data=rng.normal(0, 0.1, units).astype(np.float32))
        state = m.b.add_tensor("state", (batch, memory * filters), "float32", variable=True)
        y = m.output((batch, units))
        return m.finish("SVDF", [x, wf, wt, bias, state], [y], table="SVDFOptions", rank=rank,
                    fused_activation_function=getattr(tflite.ActivationFunctionType, activation))
    wf, wf_scale = m.weights("weights_feature", (filters, n_input), None, n_input)
    s_dtype = state or str(rng.choice(["int8", "int16"]))
    lo, hi = m.mac_output_range(x, wf_scale, n_input, "NONE")
    if rng.random() < 0.3:  # a narrow state: the feature stage saturates (and the zero point wraps, as in TFLM)
        lo, hi = lo / 8, hi / 8
    if s_dtype == "int8":
        s_scale, s_zp = quant_for_range(rng, lo, hi)
        wt_data = rng.integers(-127, 128, (filters, memory), dtype=np.int8)
        wt_scale = float(np.exp(rng.uniform(np.log(0.002), np.log(0.05))))
        s_real = 127 * s_scale
    else:
        s_scale, s_zp = max(abs(lo), abs(hi)) / 32767, 0
        wt_data = rng.integers(-32767, 32768, (filters, memory), dtype=np.int16)
        wt_scale = float(np.exp(rng.uniform(np.log(0.002), np.log(0.05)))) / 256
        s_real = 32767 * s_scale
    wt = m.b.add_tensor("weights_time", (filters, memory), s_dtype, data=wt_data, scale=wt_scale, zero_point=0)
    state = m.b.add_tensor("state", (batch, memory * filters), s_dtype, scale=s_scale, zero_point=s_zp, variable=True)
    b_scale = float(np.float32(s_scale) * np.float32(wt_scale))
    sigma = np.sqrt(memory * rank) * s_real / np.sqrt(3) * wt_scale * (127 if s_dtype == "int8" else 32767) / np.sqrt(3)
    bias_real = rng.normal(0, sigma / 4, units)
    bias = m.b.add_tensor("bias", (units,), "int32", data=np.round(bias_real / b_scale).astype(np.int32),
                          scale=b_scale, zero_point=0)
    y = m.output((batch, units), -3 * sigma, 3 * sigma)
    return m.finish("SVDF", [x, wf, wt, bias, state], [y], table="SVDFOptions", rank=rank,
                    fused_activation_function=getattr(tflite.ActivationFunctionType, activation))


def make_resource_variable(rng: np.random.Generator, dtype: str) -> bytes:
    """y = x + v; v = y: the running sum of the inputs in a resource variable, which a CALL_ONCE
    subgraph sets to a constant first (three times in four)."""
    m = Model(rng, dtype)
    shape = (1, int(rng.integers(1, 9)))
    x = m.input("x", shape)
    quant = (m.rng.uniform(0.02, 0.1), int(m.rng.integers(-20, 21)))
    handle = m.b.add_tensor("handle", (), "resource")
    if rng.random() < 0.75:
        index, init = m.b.add_subgraph("init")
        h = init.add_tensor("handle", (), "resource")
        if m.q:
            c = init.add_tensor("c", shape, "int8", data=rng.integers(-128, 128, shape, dtype=np.int8), scale=quant[0],
                                zero_point=quant[1])
        else:
            c = init.add_tensor("c", shape, "float32", data=rng.uniform(-1, 1, shape).astype(np.float32))
        init.add_op("VAR_HANDLE", [], [h], shared_name="v")
        init.add_op("ASSIGN_VARIABLE", [h, c], [], table=None)
        m.b.add_op("CALL_ONCE", [], [], init_subgraph_index=index)
    r = m.tensor("r", shape, quant)
    y = m.output(shape, quant=quant)
    m.b.add_op("VAR_HANDLE", [], [handle], shared_name="v")
    m.b.add_op("READ_VARIABLE", [handle], [r.index], table=None)
    m.b.add_op("ADD", [x.index, r.index], [y.index])
    m.b.add_op("ASSIGN_VARIABLE", [handle, y.index], [], table=None)
    m.b.set_io(m.inputs, [y.index])
    return m.b.finish()


GENERATORS = {
    "SVDF": (make_svdf, BOTH),
    "resource_variable": (make_resource_variable, BOTH),
}
