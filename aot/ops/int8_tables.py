"""The int8 forms of the unary kind's functions: TFLite Micro's integer arithmetic for each, bit-exact,
evaluated at compile time over all 256 int8 inputs into a table (the generated C is then
``y[i] = table[x[i] + 128]``, and equals the reference by construction).

``table(fn, attrs, x_quant, y_quant)`` -> the 256 outputs for inputs -128..127, or ``NotInt8`` with
the reason when tflite-micro refuses (or has no int8 kernel for) that configuration. Each function
below cites the TFLM code it mirrors; scales are the tensors' float32 values.
"""
from __future__ import annotations

import math

import numpy as np

from aot.core import fixedpoint, quant

INT8_MIN, INT8_MAX = -128, 127
INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1
INPUTS = np.arange(INT8_MIN, INT8_MAX + 1, dtype=np.int64)


class NotInt8(Exception):
    """One reason a function's int8 form is not supported as configured."""


def _f32(x) -> np.float32:
    return np.float32(x)


def _clamp8(v) -> np.ndarray:
    return np.clip(v, INT8_MIN, INT8_MAX)


def _requantize(v, real_multiplier: float, out_zp: int) -> np.ndarray:
    """out_zp + MultiplyByQuantizedMultiplier(v, QuantizeMultiplier(real_multiplier)), unclamped."""
    m, s = quant.quantize_multiplier(real_multiplier)
    return out_zp + quant.mbqm(v, m, s)


def _q4_input(x_scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, input_range_radius) of logistic_common.cc / tanh_common.cc:
    the input rescaled to FixedPoint<int32, 4>."""
    integer_bits = 4
    frac, left_shift = math.frexp(float(x_scale) * (1 << (31 - integer_bits)))
    multiplier = quant.tflite_round(frac * (1 << 31))
    # CalculateInputRadius(4, left_shift, 31)
    radius = math.floor(((1 << integer_bits) - 1) * (1 << (31 - integer_bits)) / (1 << left_shift))
    return multiplier, left_shift, radius


def _fixed_point_q4(fn, out_bits_shift: int, out_zp: int):
    """reference_integer_ops::Logistic / Tanh (int8): saturate outside the input radius, else the
    gemmlowp function of the input in Q4 rescaled to int8."""
    def table(v, xs, xz, ys, yz, attrs):
        multiplier, left_shift, radius = _q4_input(xs)
        d = v - xz
        safe = np.clip(d, 1 - radius, radius - 1)  # the saturated lanes are overwritten below
        q0 = fn(quant.mbqm(safe, multiplier, left_shift), 4)
        out = _clamp8(quant.rdbpot(q0, 31 - out_bits_shift) + out_zp)
        return np.where(d <= -radius, INT8_MIN, np.where(d >= radius, INT8_MAX, out))

    return table


def _logistic(v, xs, xz, ys, yz, attrs):
    if yz != -128 or _f32(ys) != _f32(1 / 256):
        raise NotInt8("int8 LOGISTIC needs the output scale 1/256 and zero point -128")
    return _fixed_point_q4(fixedpoint.logistic, 8, -128)(v, xs, xz, ys, yz, attrs)


def _tanh(v, xs, xz, ys, yz, attrs):
    if yz != 0 or _f32(ys) != _f32(1 / 128):
        raise NotInt8("int8 TANH needs the output scale 1/128 and zero point 0")
    return _fixed_point_q4(fixedpoint.tanh, 7, 0)(v, xs, xz, ys, yz, attrs)


def relu_multiplier(xs, ys) -> tuple[int, int]:
    """CalculateReluOpData's QuantizeMultiplier of s_x / s_y."""
    return quant.quantize_multiplier(float(xs) / float(ys))


def _relu(v, xs, xz, ys, yz, attrs):
    """ReluQuantized (activations_common.cc): requantise, clamp to [output zero point, 127]."""
    out = yz + quant.mbqm(v - xz, *relu_multiplier(xs, ys))
    return np.clip(out, max(INT8_MIN, yz), INT8_MAX)


def clip_bounds(xs, xz, attrs, lo: int = INT8_MIN, hi: int = INT8_MAX) -> tuple[int, int]:
    """Relu6Prepare: min / max quantised with the INPUT's parameters (FloatToQuantizedType, within
    the type's [lo, hi])."""
    def q(value: float) -> int:
        return int(np.clip(quant.tflite_round(float(_f32(value) / _f32(xs))) + xz, lo, hi))

    return q(attrs["min"]), q(attrs["max"])


def _clip(v, xs, xz, ys, yz, attrs):
    """Relu6Quantized: clamp the stored input to clip_bounds; tflite-micro does not requantise to the output's."""
    return np.clip(v, *clip_bounds(xs, xz, attrs))


def leaky_relu_multipliers(xs, ys, alpha) -> tuple[tuple[int, int], tuple[int, int]]:
    """leaky_relu_common.cc: QuantizeMultiplier of s_x / s_y (x >= 0) and of s_x alpha / s_y (below)."""
    return (quant.quantize_multiplier(float(_f32(xs) / _f32(ys))),
            quant.quantize_multiplier(float(_f32(xs) * _f32(alpha) / _f32(ys))))


def leaky_relu(v, xz, yz, multipliers) -> np.ndarray:
    """QuantizeLeakyRelu before the clamp to the output type (int8 or int16)."""
    (mi, si), (ma, sa) = multipliers
    d = np.asarray(v, np.int64) - xz
    return yz + np.where(d >= 0, quant.mbqm(d, mi, si), quant.mbqm(d, ma, sa))


def _leaky_relu(v, xs, xz, ys, yz, attrs):
    """QuantizeLeakyRelu (leaky_relu_common.cc): one multiplier for x >= 0, another (alpha) below."""
    return _clamp8(leaky_relu(v, xz, yz, leaky_relu_multipliers(xs, ys, attrs["alpha"])))


def _abs(v, xs, xz, ys, yz, attrs):
    """AbsEvalQuantized (elementwise.cc): |x - zp|, requantised when the scales differ."""
    d = np.abs(v - xz)
    return _clamp8(d + yz if _f32(xs) == _f32(ys) else _requantize(d, float(xs) / float(ys), yz))


def _elu(v, xs, xz, ys, yz, attrs):
    """elu.cc PopulateLookupTable: float32 dequantise, exp(x) - 1 below 0, round, requantise."""
    if attrs.get("alpha", 1.0) != 1.0:
        raise NotInt8("int8 ELU is supported for alpha 1 only")
    x = (_f32(xs) * (v - xz).astype(np.float32)).astype(np.float32)
    # expf as exp in float64 rounded to float32 (what glibc's expf returns but in the rarest ties)
    transformed = np.where(x < 0, np.exp(np.minimum(x, 0).astype(np.float64)).astype(np.float32) - np.float32(1), x)
    rescaled = (transformed * (np.float32(1) / _f32(ys))).astype(np.float32)
    wide = rescaled.astype(np.float64)  # TfLiteRound: half away from zero (exact in float64)
    rounded = np.sign(wide) * np.floor(np.abs(wide) + 0.5)
    return _clamp8(rounded.astype(np.int64) + yz)


def _wrap16(v) -> np.ndarray:
    return ((np.asarray(v, dtype=np.int64) + (1 << 15)) & 0xFFFF) - (1 << 15)


def _srdhm16(a, b) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul for int16."""
    ab = np.asarray(a, dtype=np.int64) * b
    nudge = np.where(ab >= 0, 1 << 14, 1 - (1 << 14))
    out = np.trunc((ab + nudge) / (1 << 15)).astype(np.int64)
    return np.where((a == INT16_MIN) & (b == INT16_MIN), INT16_MAX, _wrap16(out))


def _sat_shl16(v, amount: int) -> np.ndarray:
    return np.clip(np.asarray(v, dtype=np.int64) * (1 << amount), INT16_MIN, INT16_MAX)


def _int16_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier then DownScaleInt32ToInt16Multiplier: (int16 multiplier, exponent)."""
    m, e = quant.quantize_multiplier(real)
    return (INT16_MAX if m >= (1 << 31) - 1 - (1 << 15) else (m + (1 << 15)) >> 16), e


def _hardswish(v, xs, xz, ys, yz, attrs):
    """reference_ops::HardSwish (int8) with hard_swish_common.cc's parameters: int16 fixed point."""
    hires_scale = _f32(1 / 128) * _f32(xs)
    out_mult, out_exp = _int16_multiplier(float(hires_scale / _f32(ys)))
    relu_mult, relu_exp = _int16_multiplier(float(hires_scale / (_f32(3) / _f32(32768))))
    if out_exp > 0:
        raise NotInt8("int8 HARD_SWISH needs the output scale above 1/128 of the input's")
    hires = _wrap16((v - xz) * (1 << 7))
    preshift_out = _srdhm16(hires, out_mult)
    reluish = hires
    if relu_exp > 0:
        reluish = _sat_shl16(reluish, relu_exp - 1)
    reluish = _srdhm16(reluish, relu_mult)
    if relu_exp > 0:
        reluish = _sat_shl16(reluish, 1)
    if relu_exp < 0:
        reluish = quant.rdbpot(reluish, -relu_exp)
    reluish = _wrap16((reluish + (1 << 15)) >> 1)
    # SaturatingDoublingHighMul: truncating, not rounding (reluish is never -32768)
    preshift = _wrap16(np.trunc(reluish * preshift_out / (1 << 15)).astype(np.int64))
    return _clamp8(_wrap16(quant.rdbpot(preshift, -out_exp) + yz))


def _inv_sqrt_multiplier_exp(value: int) -> tuple[int, int]:
    """GetInvSqrtQuantizedMultiplierExp(value, reverse_shift=-1) (common.h), scalar."""
    if value <= 1:
        return quant.INT32_MAX, 0
    shift = 11
    while value >= (1 << 29):
        value //= 4
        shift += 1
    left_shift_bit_pairs = (int(fixedpoint.count_leading_zeros_u32(value)) - 1) // 2 - 1
    shift -= left_shift_bit_pairs
    value <<= 2 * left_shift_bit_pairs
    f3_input = value >> 1
    half_input = int(quant.rdbpot(f3_input, 1))  # SaturatingRoundingMultiplyByPOT<-1>
    half_three = (1 << 28) + (1 << 27)
    x = 1 << 28  # F3::One()
    for _ in range(5):
        x3 = int(quant.saturating_left_shift(quant.srdhm(quant.srdhm(x, x), x), 6))  # Rescale<3>(F9)
        x = int(quant.saturating_left_shift(quant.srdhm(half_three, x) - quant.srdhm(half_input, x3), 3))
    x = int(quant.srdhm(x, 1518500250))  # * sqrt(2) / 2 -> F3
    if shift < 0:
        x <<= -shift
        shift = 0
    return x, -shift


def _rsqrt(v, xs, xz, ys, yz, attrs):
    """RsqrtEvalQuantized (elementwise.cc); inputs below the zero point are an error in tflite-micro
    (here: the lowest output)."""
    k_shift = 20
    m, s = quant.quantize_multiplier(1.0 / (math.sqrt(float(xs)) * float(ys)))
    out = []
    for d in (v - xz).tolist():
        if d < 0:
            out.append(INT8_MIN)
        elif d == 0:
            out.append(INT8_MAX)
        else:
            inv, inv_shift = _inv_sqrt_multiplier_exp(d)
            data = quant.mbqm(1, inv, inv_shift + k_shift)
            out.append(int(_clamp8(quant.mbqm(data, m, s - k_shift) + yz)))
    return np.asarray(out, dtype=np.int64)


TABLES = {
    "sigmoid": _logistic,
    "tanh": _tanh,
    "relu": _relu,
    "clip": _clip,
    "leaky_relu": _leaky_relu,
    "hardswish": _hardswish,
    "elu": _elu,
    "abs": _abs,
    "rsqrt": _rsqrt,
}


def table(fn: str, attrs: dict, x_quant, y_quant) -> np.ndarray:
    """The int8 outputs of ``fn`` for the inputs -128..127 (NotInt8 if unsupported)."""
    if fn not in TABLES:
        raise NotInt8(f"int8 {fn} is not supported")
    if not (x_quant is not None and y_quant is not None and x_quant.per_tensor and y_quant.per_tensor):
        raise NotInt8(f"int8 {fn} needs per-tensor quantisation of its input and output")
    out = TABLES[fn](INPUTS, x_quant.tensor_scale, x_quant.tensor_zero_point, y_quant.tensor_scale,
                     y_quant.tensor_zero_point, attrs)
    return np.asarray(out, dtype=np.int64).astype(np.int8)
