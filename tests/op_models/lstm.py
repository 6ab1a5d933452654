"""Random UNIDIRECTIONAL_SEQUENCE_LSTM models, the standard (Keras) LSTM tflite-micro runs: four
gates, no CIFG, peephole, projection or layer norm (tflite-micro refuses those variants).

int8 is what the TFLite converter makes of a Keras LSTM: int8 input, weights per-tensor symmetric,
int32 gate biases (scale input x weight), an int8 output state and an int16 cell state of a
power-of-two scale (2^-15 .. 2^-8), both variable tensors (kept across invocations, real zero at
start); the output is the hidden state of every step, quantised like the output state. Batch 1..2, time 1..5, input and units
1..12, time-major or batch-major, a cell clip one time in three.
"""
from __future__ import annotations

import numpy as np

from tests.op_models.base import BOTH, Model, T

MAX_TIME, MAX_SIZE = 5, 12


def _gate_weights(m: Model, name: str, rows: int, cols: int, in_rms: float) -> tuple[int, float]:
    """Weights [rows, cols] whose products with an input of rms ``in_rms`` reach a few units."""
    if not m.q:
        data = m.rng.normal(0, 1.5 / np.sqrt(cols), (rows, cols)).astype(np.float32)
        return m.b.add_tensor(name, (rows, cols), "float32", data=data), 1.0
    real_rms = float(np.exp(m.rng.uniform(np.log(0.3), np.log(3.0)))) / (in_rms * np.sqrt(cols))
    scale = float(np.float32(real_rms * np.sqrt(3) / 127))
    data = m.rng.integers(-127, 128, (rows, cols), dtype=np.int8)
    return m.b.add_tensor(name, (rows, cols), "int8", data=data, scale=scale, zero_point=0), scale


def make_unidirectional_sequence_lstm(rng: np.random.Generator, dtype: str = "int8", variant: str | None = None,
                                      cell_power: int | None = None) -> bytes:
    """``variant`` adds what tflite-micro's LSTM refuses: "peephole", "projection", "layer_norm"
    weights, "cifg" (no input gate), "sigmoid_cell" (a cell gate activation other than TANH) or
    "state_inputs" (the states graph inputs, not variable tensors);
    or (int8) what it does not compute right: "per_channel" input-to-input weights (its gate FCs
    take one multiplier), a "coarse_cell" state scale of 8 (its tanh input scaling overflows).
    ``cell_power``: the int8 cell state's scale is 2^cell_power (default: drawn)."""
    m = Model(rng, dtype)
    batch, time = m.batch(), int(rng.integers(1, MAX_TIME + 1))
    n_in, units = (int(d) for d in rng.integers(1, MAX_SIZE + 1, 2))
    time_major = bool(rng.random() < 0.5)
    seq = (time, batch) if time_major else (batch, time)
    x = m.input("x", (*seq, n_in))
    h_quant = (float(np.exp(rng.uniform(np.log(1 / 256), np.log(1 / 64)))), int(rng.integers(-20, 21)))
    x_rms = x.scale * 128 / np.sqrt(3) if m.q else 0.6
    h_rms = 0.5
    weights = [_gate_weights(m, f"input_to_{g}", units, n_in, x_rms) for g in ("input", "forget", "cell", "output")]
    weights += [_gate_weights(m, f"recurrent_to_{g}", units, units, h_rms)
                for g in ("input", "forget", "cell", "output")]
    biases = []
    for g, (_, w_scale) in zip(("input", "forget", "cell", "output"), weights):
        real = rng.normal(0, 1.0, units)
        if m.q:
            scale = float(np.float32(x.scale) * np.float32(w_scale))
            data = np.round(real / scale).astype(np.int32)
            biases.append(m.b.add_tensor(f"{g}_gate_bias", (units,), "int32", data=data, scale=scale, zero_point=0))
        else:
            biases.append(m.b.add_tensor(f"{g}_gate_bias", (units,), "float32", data=real.astype(np.float32)))
    if m.q:
        h = m.b.add_tensor("output_state", (batch, units), "int8", scale=h_quant[0], zero_point=h_quant[1],
                           variable=variant != "state_inputs")
        power = -int(rng.integers(8, 16)) if cell_power is None else cell_power
        c_scale = 2.0 ** (3 if variant == "coarse_cell" else power)
        c = m.b.add_tensor("cell_state", (batch, units), "int16", scale=c_scale, zero_point=0,
                           variable=variant != "state_inputs")
    else:
        h = m.b.add_tensor("output_state", (batch, units), "float32", variable=variant != "state_inputs")
        c = m.b.add_tensor("cell_state", (batch, units), "float32", variable=variant != "state_inputs")
    y = m.output((*seq, units), quant=h_quant)
    cell_clip = float(rng.uniform(0.5, 4.0)) if rng.random() < 1 / 3 else 0.0
    ins: list[T | int | None] = [x, *(w for w, _ in weights), None, None, None, *biases, None, None, h, c,
                                 None, None, None, None]
    extra = {"peephole": (range(9, 12), (units,)), "projection": (range(16, 17), (units, units)),
             "layer_norm": (range(20, 24), (units,))}
    if variant in extra:
        indices, shape = extra[variant]
        for i in indices:
            ins[i] = m.b.add_tensor(f"variant_{i}", shape, "int8" if m.q else "float32", data=np.ones(shape),
                                    **({"scale": 0.01, "zero_point": 0} if m.q else {}))
    if variant == "per_channel" and m.q:
        scales = np.full(units, weights[0][1], np.float32) * rng.uniform(0.5, 2.0, units).astype(np.float32)
        ins[1] = m.b.add_tensor("input_to_input_per_channel", (units, n_in), "int8",
                                data=rng.integers(-127, 128, (units, n_in), dtype=np.int8), scale=scales,
                                zero_point=np.zeros(units, np.int64), quantized_dimension=0)
    if variant == "state_inputs":
        m.inputs += [h, c]
    if variant == "cifg":
        ins[1] = ins[5] = ins[12] = None
    return m.finish("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y], table="UnidirectionalSequenceLSTMOptions",
                    fused_activation_function=1 if variant == "sigmoid_cell" else 4, cell_clip=cell_clip, proj_clip=0.0, time_major=time_major,
                    asymmetric_quantize_inputs=False)


GENERATORS = {
    "unidirectional_sequence_lstm": (make_unidirectional_sequence_lstm, BOTH),
}
