"""UNIDIRECTIONAL_SEQUENCE_LSTM, the standard (Keras) LSTM as tflite-micro's LSTM kernel runs it
(kernels/unidirectional_sequence_lstm.cc, lstm_eval.h): per time step, four gates
``gate = act(FC(x_t) + FC(h))`` (sigmoid for input, forget, output; tanh for the cell gate), then
``c = f * c + i * g`` (clipped by ``cell_clip`` when > 0) and ``h = o * tanh(c)``; the output at
step t is h.

inputs: x ([T, B, I] when ``time_major``, else [B, T, I]), the input weights of the input, forget,
cell and output gates ([S, I] each), their recurrent weights ([S, S]), their biases ([S]), then
the output state h and the cell state c ([B, S], variable tensors updated in place: their values
persist from one inference to the next; real zero at start). attrs: time_major, cell_clip (0: none).

int8 (TFLM's 8x8->16 arithmetic): each gate FC requantises into int16 Q3.12 (scale 2^-12), the two
FCs add with int16 saturation, sigmoid / tanh are TFLM's int16 table interpolations (Q0.15 out),
the cell state is int16 of a power-of-two scale, the gate products requantise with
MultiplyByQuantizedMultiplier, and h is int8.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

GATES = ("input", "forget", "cell", "output")
X, W_IN, W_REC, BIAS, H_STATE, C_STATE = 0, 1, 5, 9, 13, 14
N_INPUTS = 15

TRAITS = OpTraits(updates=(H_STATE, C_STATE))

# sigmoid(i / 24) in unsigned Q0.16 (TFLite's sigmoid_table_uint16, kernels/internal/common.h):
# the int16 logistic and tanh interpolate it.
SIGMOID_TABLE = (
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
)
_TABLE = np.array(SIGMOID_TABLE, dtype=np.int64)

# The scales TFLM's PrepareGateParametersInteger writes as float literals: the gate FC outputs
# (Q3.12) and the activation outputs (Q0.15; the literal is a little under 2^-15 as a float).
GATE_INPUT_SCALE = float(np.float32(0.00024414062))
GATE_OUTPUT_SCALE = float(np.float32(0.00003051757))


def lut_scaling(multiplier: int, left_shift: int) -> tuple[int, int]:
    """The (multiplier, right shift) by which TFLite's int16 logistic / tanh scale their input from
    their (input_multiplier, input_left_shift) arguments: multiplier 0 is the power-of-two case,
    3 << shift without a shift."""
    return (3 << left_shift, 0) if multiplier == 0 else (multiplier, left_shift)


def _interpolate(v: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(table interpolation at |v| in steps of 2^bits, saturated) of the int16 logistic / tanh."""
    a = np.abs(v)
    uh = np.minimum(a >> bits, 254)
    return (_TABLE[uh] << bits) + (a & ((1 << bits) - 1)) * (_TABLE[uh + 1] - _TABLE[uh]), a >> bits >= 255


def _scaled(x, multiplier: int, shift: int) -> np.ndarray:
    return (np.asarray(x, dtype=np.int64) * multiplier + (1 << (shift - 1) if shift > 0 else 0)) >> shift


def sigmoid16(x) -> np.ndarray:
    """reference_integer_ops::Logistic(0, 0, ...) of int16 Q3.12 (input scaled by 3): int16 Q0.15."""
    v = _scaled(x, 3, 0)
    r, saturated = _interpolate(v, 9)
    r = np.where(saturated, 0x7FFF << 10, r)
    return (np.where(v >= 0, r + (1 << 9), (1 << 25) - r + (1 << 9) - 1) >> 10).astype(np.int16)


def tanh16(x, multiplier: int, shift: int) -> np.ndarray:
    """reference_integer_ops::Tanh of int16 scaled to (x * multiplier + rounding) >> shift
    (``lut_scaling``): int16 Q0.15."""
    v = _scaled(x, multiplier, shift)
    r, saturated = _interpolate(v, 8)
    r = np.where(saturated, 0xFFFF << 8, r)
    return (np.where(v >= 0, r - (1 << 23) + (1 << 7), -r + (1 << 23) + (1 << 7) - 1) >> 8).astype(np.int16)


def tanh_scaling(power: int) -> tuple[int, int]:
    """``lut_scaling`` of the tanh of an int16 of scale 2^power (lstm_internal::Tanh: input left
    shift 15 + power - 3, negated with multiplier 3 when negative)."""
    shift = 15 + power - 3
    return lut_scaling(0, shift) if shift >= 0 else lut_scaling(3, -shift)


@dataclass(frozen=True)
class Params:
    """The int8 constants TFLM's Prepare derives (PrepareGateParametersInteger, CreateLstmCellStateInfo)."""

    gate_in: tuple[tuple[int, int], ...]  # (multiplier, shift) of each gate's input FC
    gate_rec: tuple[tuple[int, int], ...]  # and of its recurrent FC
    x_offset: int  # -input zero point
    h_offset: int  # -output state zero point
    h_zero_point: int
    forget_mul: tuple[int, int]  # f * c -> c
    input_mul: tuple[int, int]  # i * g -> c
    hidden_mul: tuple[int, int]  # o * tanh(c) -> h
    cell_tanh: tuple[int, int]  # (multiplier, right shift) scaling tanh(c)'s input
    cell_clip: int  # quantised clip (0: none)


def _fc_multiplier(in_scale: float, w_scale: float) -> tuple[int, int]:
    # GetQuantizedConvolutionMultipler forms the product in float, divides in double
    return quant.quantize_multiplier(float(np.float32(np.float32(in_scale) * np.float32(w_scale))) / GATE_INPUT_SCALE)


def _mul_multiplier(s1: float, s2: float, out: float) -> tuple[int, int]:
    return quant.quantize_multiplier(float(np.float32(s1)) * float(np.float32(s2)) / float(np.float32(out)))


def cell_power(scale: float) -> int:
    """CheckedLog2: the cell state scale as 2^power (rounded)."""
    return quant.tflite_round(float(np.float32(np.log(np.float32(scale))) * np.float32(1.0 / np.log(np.float32(2.0)))))


def params(op: Op, g: Graph) -> Params:
    x, h, c = (g.tensor(op.inputs[i]) for i in (X, H_STATE, C_STATE))
    xs, hs, cs = x.quant.tensor_scale, h.quant.tensor_scale, c.quant.tensor_scale
    w_in = [g.tensor(op.inputs[W_IN + k]).quant.tensor_scale for k in range(4)]
    w_rec = [g.tensor(op.inputs[W_REC + k]).quant.tensor_scale for k in range(4)]
    clip = op.attrs["cell_clip"]
    return Params(
        gate_in=tuple(_fc_multiplier(xs, w) for w in w_in),
        gate_rec=tuple(_fc_multiplier(hs, w) for w in w_rec),
        x_offset=-x.quant.tensor_zero_point,
        h_offset=-h.quant.tensor_zero_point,
        h_zero_point=h.quant.tensor_zero_point,
        forget_mul=_mul_multiplier(GATE_OUTPUT_SCALE, cs, cs),
        input_mul=_mul_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, cs),
        hidden_mul=_mul_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, hs),
        cell_tanh=tanh_scaling(cell_power(cs)),
        cell_clip=int(np.clip(float(np.float32(clip)) / float(np.float32(cs)), -32768, 32767)) if clip > 0 else 0,
    )


def check(op: Op, g: Graph) -> list[str]:
    if len(op.inputs) != N_INPUTS or any(n is None for n in op.inputs):
        return ["needs the input, 8 gate weights, 4 gate biases and both states"]
    x, h, c = (g.tensor(op.inputs[i]) for i in (X, H_STATE, C_STATE))
    y = g.tensor(op.outputs[0])
    weights = [g.tensor(op.inputs[W_IN + k]) for k in range(8)]
    biases = [g.tensor(op.inputs[BIAS + k]) for k in range(4)]
    if x.dtype == "float32":
        if any(t.dtype != "float32" for t in [h, c, y, *weights, *biases]):
            return ["float32 LSTM needs float32 weights, biases and states (hybrid is not supported)"]
        return []
    if x.dtype != "int8":
        return [f"{x.dtype} input is not supported"]
    want = [(h, "int8"), (c, "int16"), (y, "int8"), *((w, "int8") for w in weights), *((b, "int32") for b in biases)]
    bad = [f"{t.name!r} is {t.dtype}, not {d}" for t, d in want if t.dtype != d]
    if bad:
        return ["int8 LSTM needs int8 weights and output state, int16 cell state, int32 biases: " + "; ".join(bad)]
    if any(t.quant is None for t in (x, h, c, y, *weights)):
        return ["int8 tensors without quantisation parameters"]
    if any(not w.quant.per_tensor or w.quant.tensor_zero_point != 0 for w in weights):
        return ["LSTM weights must be per-tensor symmetric (tflite-micro's LSTM has no per-channel weights)"]
    if c.quant.tensor_zero_point != 0:
        return ["the cell state must be symmetric"]
    if cell_power(c.quant.tensor_scale) > 2:  # tanh's input times 3 << (12 + power) must fit int32
        return [f"cell state scale {c.quant.tensor_scale:g} is too large (needs <= 4)"]
    return []


def macs(op: Op, g: Graph) -> int:
    x = g.tensor(op.inputs[X])
    steps = x.size // x.shape[-1]
    units, n_in = g.tensor(op.inputs[W_IN]).shape
    return steps * 4 * units * (n_in + units)


def _steps(op: Op, x: np.ndarray) -> np.ndarray:
    """x as [T, B, I] whichever its layout."""
    return x if op.attrs["time_major"] else x.transpose(1, 0, 2)


def _fc16(x, w, offset: int, bias, mult_shift) -> np.ndarray:
    acc = (x.astype(np.int64) + offset) @ w.astype(np.int64).T + bias
    return np.clip(quant.mbqm(acc, *mult_shift), -32768, 32767)


def _mul(a, b, mult_shift, offset: int, lo: int, hi: int) -> np.ndarray:
    return np.clip(quant.mbqm(a.astype(np.int64) * b, *mult_shift) + offset, lo, hi)


def run_int8(op: Op, g: Graph, x: np.ndarray, h: np.ndarray, c: np.ndarray):
    """(y, h, c) after the sequence x from states h, c (int8 / int16)."""
    p = params(op, g)
    w = [g.tensor(op.inputs[W_IN + k]).data for k in range(8)]
    b = [g.tensor(op.inputs[BIAS + k]).data.astype(np.int64) for k in range(4)]
    h, c = h.astype(np.int64), c.astype(np.int64)
    ys = []
    for xt in _steps(op, x):
        pre = [np.clip(_fc16(xt, w[k], p.x_offset, b[k], p.gate_in[k]) + _fc16(h, w[4 + k], p.h_offset, 0, p.gate_rec[k]),
                       -32768, 32767) for k in range(4)]
        i, f, o = (sigmoid16(pre[k]).astype(np.int64) for k in (0, 1, 3))
        gc = tanh16(pre[2], *tanh_scaling(-12)).astype(np.int64)  # Q3.12 in
        c = np.clip(_mul(f, c, p.forget_mul, 0, -32768, 32767) + _mul(i, gc, p.input_mul, 0, -32768, 32767),
                    -32768, 32767)
        if p.cell_clip:
            c = np.clip(c, -p.cell_clip, p.cell_clip)
        h = _mul(tanh16(c, *p.cell_tanh).astype(np.int64), o, p.hidden_mul, p.h_zero_point, -128, 127)
        ys.append(h)
    return _sequence(op, ys, np.int8), h.astype(np.int8), c.astype(np.int16)


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return (1 / (1 + np.exp(-v))).astype(np.float32)


def run_float(op: Op, g: Graph, x: np.ndarray, h: np.ndarray, c: np.ndarray):
    """(y, h, c) after the sequence x from states h, c (float32, each step rounded to float32)."""
    w = [g.tensor(op.inputs[W_IN + k]).data.astype(np.float64) for k in range(8)]
    b = [g.tensor(op.inputs[BIAS + k]).data.astype(np.float64) for k in range(4)]
    clip = op.attrs["cell_clip"]
    ys = []
    for xt in _steps(op, x):
        pre = [(xt.astype(np.float64) @ w[k].T + b[k] + h.astype(np.float64) @ w[4 + k].T).astype(np.float32)
               for k in range(4)]
        i, f, o = (_sigmoid(pre[k].astype(np.float64)) for k in (0, 1, 3))
        gc = np.tanh(pre[2]).astype(np.float32)
        c = (f * c + i * gc).astype(np.float32)
        if clip > 0:
            c = np.clip(c, -np.float32(clip), np.float32(clip))
        h = (o * np.tanh(c)).astype(np.float32)
        ys.append(h)
    return _sequence(op, ys, np.float32), h, c


def _sequence(op: Op, ys: list[np.ndarray], dtype) -> np.ndarray:
    y = np.stack(ys).astype(dtype)  # [T, B, S]
    return y if op.attrs["time_major"] else y.transpose(1, 0, 2)


def run(op: Op, g: Graph, x: np.ndarray, h: np.ndarray, c: np.ndarray):
    """(output, new output state, new cell state) of the op on x from states h, c."""
    x = np.asarray(x)
    n_in = g.tensor(op.inputs[W_IN]).shape[1]
    x = x.reshape(x.shape[0], -1, n_in)
    h, c = (np.asarray(s).reshape(-1, g.tensor(op.inputs[W_IN]).shape[0]) for s in (h, c))
    return (run_float if x.dtype == np.float32 else run_int8)(op, g, x, h, c)


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The output, then the new output state and cell state (TRAITS.updates)."""
    y, h, c = run(op, g, inputs[X], inputs[H_STATE], inputs[C_STATE])
    shapes = [g.tensor(n).shape for n in (op.outputs[0], op.inputs[H_STATE], op.inputs[C_STATE])]
    return [v.reshape(shape) for v, shape in zip((y, h, c), shapes)]
