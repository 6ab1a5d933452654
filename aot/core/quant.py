"""TFLite's integer arithmetic, exactly, vectorised over NumPy int64 arrays.

Each function mirrors its namesake in tensorflow/lite/kernels/internal/common.h
(or gemmlowp/fixedpoint), with C's truncating division and int32 saturation.
The generated C (templates/ops/common.h.j2) implements the same functions.
"""
from __future__ import annotations

import math

import numpy as np

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


def _i64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def tflite_round(x: float) -> int:
    """std::round: half away from zero."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier(double): returns (q31 multiplier, shift); real ≈ q * 2^(shift-31)."""
    if real == 0.0:
        return 0, 0
    frac, shift = math.frexp(real)
    q = tflite_round(frac * (1 << 31))
    if q == (1 << 31):
        q //= 2
        shift += 1
    if shift < -31:
        shift, q = 0, 0
    if shift > 30:
        shift, q = 30, (1 << 31) - 1
    return q, shift


def quantize_multiplier_array(reals) -> tuple[np.ndarray, np.ndarray]:
    pairs = [quantize_multiplier(float(r)) for r in np.atleast_1d(reals)]
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64)


def _trunc_div_pow2(x: np.ndarray, bits: int) -> np.ndarray:
    """C's x / 2^bits (truncation toward zero) for int64 x."""
    return np.where(x >= 0, x >> bits, -((-x) >> bits))


def srdhm(a, b) -> np.ndarray:
    """SaturatingRoundingDoublingHighMul for int32 values."""
    a, b = np.broadcast_arrays(_i64(a), _i64(b))
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    res = _trunc_div_pow2(ab + nudge, 31)
    overflow = (a == INT32_MIN) & (b == INT32_MIN)
    return np.where(overflow, INT32_MAX, res)


def rdbpot(x, exponent) -> np.ndarray:
    """RoundingDivideByPOT: round-half-away-from-zero of x / 2^exponent."""
    x = _i64(x)
    exponent = _i64(exponent)
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def mbqm(x, multiplier, shift) -> np.ndarray:
    """MultiplyByQuantizedMultiplier (double-rounding form used by TFLM's reference kernels)."""
    x, multiplier, shift = np.broadcast_arrays(_i64(x), _i64(multiplier), _i64(shift))
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    shifted = wrap_int32(x * (np.int64(1) << left))
    return rdbpot(srdhm(shifted, multiplier), right)


def mbqm64(x, multiplier, shift) -> np.ndarray:
    """MultiplyByQuantizedMultiplier(int64_t x, ...) of TFLM's common.cc (16x8 kernels): the
    multiplier reduced to 16 bits (rounded), one rounding shift by 15 - shift, truncated to int32."""
    x, multiplier, shift = np.broadcast_arrays(_i64(x), _i64(multiplier), _i64(shift))
    reduced = np.where(multiplier < 0x7FFF0000, (multiplier + (1 << 15)) >> 16, 0x7FFF)
    total = 15 - shift
    return wrap_int32((x * reduced + (np.int64(1) << (total - 1))) >> total)


def mbqm_greater_than_one(x, multiplier, left_shift) -> np.ndarray:
    """MultiplyByQuantizedMultiplierGreaterThanOne: srdhm(x * 2^left_shift, multiplier)."""
    return srdhm(wrap_int32(_i64(x) * (np.int64(1) << _i64(left_shift))), multiplier)


def wrap_int32(x) -> np.ndarray:
    """Two's-complement wrap to int32 range, as the C code's int32_t arithmetic does."""
    x = _i64(x)
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def saturating_left_shift(x, exponent: int) -> np.ndarray:
    """gemmlowp SaturatingRoundingMultiplyByPOT with a positive exponent."""
    x = _i64(x)
    threshold = (1 << (31 - exponent)) - 1
    res = x << exponent
    res = np.where(x > threshold, INT32_MAX, res)
    return np.where(x < -threshold, INT32_MIN, res)


def activation_range(activation: str, dtype: str, scale: float | None, zero_point: int) -> tuple[float | int, float | int]:
    """Clamp range of a fused activation (CalculateActivationRange[Quantized])."""
    if dtype == "float32":
        lo, hi = -np.inf, np.inf
        bounds = {"NONE": (lo, hi), "RELU": (0.0, hi), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}
        return bounds[activation]
    info = np.iinfo(np.dtype(dtype))
    qmin, qmax = int(info.min), int(info.max)

    def q(f: float) -> int:
        return zero_point + tflite_round(float(np.float32(f) / np.float32(scale)))

    if activation == "NONE":
        return qmin, qmax
    if activation == "RELU":
        return max(qmin, q(0.0)), qmax
    if activation == "RELU6":
        return max(qmin, q(0.0)), min(qmax, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(qmin, q(-1.0)), min(qmax, q(1.0))
    raise ValueError(f"unknown activation {activation}")


def requantize(acc, multiplier, shift, out_zero_point: int, lo: int, hi: int, dtype=np.int8) -> np.ndarray:
    """acc (int32 accumulators) -> MBQM -> + output zero point -> clamp: the output stage of conv/fc."""
    out = mbqm(acc, multiplier, shift) + out_zero_point
    return np.clip(out, lo, hi).astype(dtype)


def float_clamp(x: np.ndarray, activation: str) -> np.ndarray:
    lo, hi = activation_range(activation, "float32", None, 0)
    return np.clip(x, lo, hi).astype(np.float32)
