"""gemmlowp fixed-point functions used by TFLite's int8 softmax, bit-exact, vectorised.

A FixedPoint<int32, I> value is its raw int32 (I integer bits, 31 - I fractional bits);
multiplication of two raws is srdhm. The C twins live in runtime_c/include/aot_fixedpoint.h.
"""
from __future__ import annotations

import numpy as np

from aot.core.quant import INT32_MAX, rdbpot, saturating_left_shift, srdhm, wrap_int32

EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535), (3, 720401), (4, 242))


def exp_on_interval_between_negative_one_quarter_and_0_excl(a: np.ndarray) -> np.ndarray:
    constant_term = 1895147668
    constant_1_over_3 = 715827883
    x = a + (1 << 28)
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1)
    return constant_term + srdhm(constant_term, x + poly)


def exp_on_negative_values(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """exp(a) for a <= 0 in FixedPoint<int32, integer_bits>; result in FixedPoint<int32, 0>."""
    frac_bits = 31 - integer_bits
    one_quarter = 1 << (frac_bits - 2)
    mask = one_quarter - 1
    a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_left_shift(a_mod_quarter_minus_one_quarter, integer_bits)
    )
    remainder = a_mod_quarter_minus_one_quarter - a
    for exponent, multiplier in EXP_BARREL:
        if integer_bits > exponent:
            bit = 1 << (frac_bits + exponent)
            result = np.where(remainder & bit, srdhm(result, multiplier), result)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))
        result = np.where(a < clamp, 0, result)
    return np.where(a == 0, INT32_MAX, result)


def one_over_one_plus_x_for_x_in_0_1(a: np.ndarray) -> np.ndarray:
    """1 / (1 + a) for a in [0, 1) in FixedPoint<int32, 0>; result in FixedPoint<int32, 0>."""
    s = a + INT32_MAX
    half_denominator = np.where(s >= 0, (s + 1) // 2, -((-(s - 1)) // 2))  # RoundingHalfSum
    constant_48_over_17 = 1515870810
    constant_neg_32_over_17 = -1010580540
    x = constant_48_over_17 + srdhm(half_denominator, constant_neg_32_over_17)
    one_f2 = 1 << 29
    for _ in range(3):
        half_denominator_times_x = srdhm(half_denominator, x)
        one_minus = wrap_int32(one_f2 - half_denominator_times_x)  # int32 wraps as in C (a outside [0, 1))
        x = wrap_int32(x + saturating_left_shift(srdhm(x, one_minus), 2))
    return saturating_left_shift(x, 1)


def count_leading_zeros_u32(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.int64) & 0xFFFFFFFF
    bits = np.zeros_like(x)
    for shift in range(32):
        bits = np.where(x >> shift != 0, shift + 1, bits)
    return 32 - bits


def get_reciprocal(x: np.ndarray, x_integer_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLite GetReciprocal: (FixedPoint<0> raw of 1/x scaled, num_bits_over_unit)."""
    headroom_plus_one = count_leading_zeros_u32(x)
    num_bits_over_unit = x_integer_digits - headroom_plus_one
    shifted = ((np.asarray(x, dtype=np.int64) << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31)
    return one_over_one_plus_x_for_x_in_0_1(shifted), num_bits_over_unit
