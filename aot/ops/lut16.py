"""tflite-micro's int16 lookup tables with interpolation (kernels/internal/common.h): gen_lut (513
entries of a function sampled in float32 arithmetic, each corrected by half its midpoint error)
and lut_lookup_with_interpolation (256 + value / 128 picks the entry, value % 128 interpolates to
the next), bit-exact and vectorised. The int16 SOFTMAX builds its exp and 1 / (1 + x) tables with them.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

STEPS = 512  # an int16-input table: 512 samples and one more for the last slope
_F = np.float32


def _round(x: np.ndarray) -> np.ndarray:
    """TfLiteRound of float32 values (half away from zero), exactly (in double)."""
    x = np.asarray(x, np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def gen_lut(func: Callable[[np.ndarray], np.ndarray], input_min: float, input_max: float,
            output_min: float = -1.0, output_max: float = 1.0) -> np.ndarray:
    """gen_lut<float, int16_t, int16_t>: ``func`` maps float32 arrays to float32 arrays."""
    lo, step = _F(input_min), (_F(input_max) - _F(input_min)) / _F(STEPS)
    half_step = step / _F(2)
    inv = _F(65536) / (_F(output_max) - _F(output_min))
    i = np.arange(STEPS, dtype=_F)
    at = lo + i * step
    val, val_mid, val_next = func(at), func(at + half_step), func(lo + (i + _F(1)) * step)
    sample = _round(val * inv)
    interp = _round((_F(val_next * inv) + _F(sample)).astype(_F) / _F(2))
    err = interp - _round(val_mid * inv)
    bias = _round(_F(err) / _F(2))
    last = _round(func(np.array([_F(input_max)])) * inv)
    return np.clip(np.concatenate([sample - bias, last]), -32768, 32767).astype(np.int16)


def lut_lookup(value, lut: np.ndarray) -> np.ndarray:
    """lut_lookup_with_interpolation for int16 values."""
    v = np.asarray(value, np.int64)
    index = 256 + (v >> 7)
    base = lut.astype(np.int64)[index]
    slope = ((lut.astype(np.int64)[index + 1] - base + 32768) & 0xFFFF) - 32768  # an int16 difference
    delta = (slope * (v & 0x7F) + 64) >> 7
    return (((base + delta + 32768) & 0xFFFF) - 32768).astype(np.int16)


def _exp(x: np.ndarray) -> np.ndarray:
    return np.exp(np.asarray(x, np.float64)).astype(_F)  # expf, correctly rounded


def _one_over_one_plus(x: np.ndarray) -> np.ndarray:
    return _F(1) / (_F(1) + np.asarray(x, _F))


def softmax_exp_lut() -> np.ndarray:
    """exp on [-10, 0] (softmax_common.cc)."""
    return gen_lut(_exp, -10.0, 0.0)


def softmax_reciprocal_lut() -> np.ndarray:
    """1 / (1 + x) on [0, 1] (softmax_common.cc)."""
    return gen_lut(_one_over_one_plus, 0.0, 1.0)
