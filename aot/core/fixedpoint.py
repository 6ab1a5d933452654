"""gemmlowp fixed-point functions of TFLite's int8 softmax, log_softmax, logistic and tanh, bit-exact, vectorised.

A FixedPoint<int32, I> value is its raw int32 (I integer bits, 31 - I fractional bits);
multiplication of two raws is srdhm. The C twins live in runtime_c/include/aot_fixedpoint.h
(logistic and tanh have none: they run at compile time, into the int8 tables of aot/ops/int8_tables.py).
"""
from __future__ import annotations

import numpy as np

from aot.core.quant import (
    INT32_MAX,
    INT32_MIN,
    rdbpot,
    saturating_left_shift,
    srdhm,
    wrap_int32,
)

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


def _half_denominator_reciprocal(a: np.ndarray) -> np.ndarray:
    """FixedPoint<int32, 2> raw of 1 / ((1 + a) / 2) for a in [0, 1): gemmlowp's Newton-Raphson
    division shared by one_over_one_plus_x_for_x_in_0_1 and one_minus_x_over_one_plus_x_for_x_in_0_1."""
    s = np.asarray(a, dtype=np.int64) + INT32_MAX
    half_denominator = np.where(s >= 0, (s + 1) // 2, -((-(s - 1)) // 2))  # RoundingHalfSum
    constant_48_over_17 = 1515870810
    constant_neg_32_over_17 = -1010580540
    x = constant_48_over_17 + srdhm(half_denominator, constant_neg_32_over_17)
    one_f2 = 1 << 29
    for _ in range(3):
        half_denominator_times_x = srdhm(half_denominator, x)
        one_minus = wrap_int32(one_f2 - half_denominator_times_x)  # int32 wraps as in C (a outside [0, 1))
        x = wrap_int32(x + saturating_left_shift(srdhm(x, one_minus), 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: np.ndarray) -> np.ndarray:
    """1 / (1 + a) for a in [0, 1) in FixedPoint<int32, 0>; result in FixedPoint<int32, 0>."""
    return saturating_left_shift(_half_denominator_reciprocal(a), 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: np.ndarray) -> np.ndarray:
    """(1 - a) / (1 + a) for a in [0, 1) in FixedPoint<int32, 0>; result in FixedPoint<int32, 0>."""
    return saturating_left_shift(_half_denominator_reciprocal(a) - (1 << 29), 2)


def logistic(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """gemmlowp::logistic of FixedPoint<int32, integer_bits> raws; result in FixedPoint<int32, 0>."""
    a = np.asarray(a, dtype=np.int64)
    positive = a > 0
    on_positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-np.abs(a), integer_bits))
    return np.where(a == 0, 1 << 30, np.where(positive, on_positive, INT32_MAX - on_positive))


def tanh(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """gemmlowp::tanh of FixedPoint<int32, integer_bits> raws; result in FixedPoint<int32, 0>."""
    a = np.asarray(a, dtype=np.int64)
    # tanh(|a|) = (1 - exp(-2|a|)) / (1 + exp(-2|a|)); -|a| read with one more integer bit is -2|a|
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-np.abs(a), integer_bits + 1))
    return np.where(a == 0, 0, np.where(a < 0, -t, t))


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


def _saturating_add(a, b) -> np.ndarray:
    return np.clip(np.asarray(a, dtype=np.int64) + b, INT32_MIN, INT32_MAX)


def log_x_for_x_greater_than_or_equal_to_1(x: np.ndarray, input_integer_bits: int, output_integer_bits: int) -> np.ndarray:
    """TFLite's log_x_for_x_greater_than_or_equal_to_1_impl (common.h): log(x) of FixedPoint<int32,
    input_integer_bits> raws, in FixedPoint<int32, output_integer_bits>."""
    log_2, sqrt_sqrt_half, sqrt_half = 1488522236, 1805811301, 1518500250
    alpha_n, alpha_d, alpha_i, alpha_f = 117049297, 127690142, 1057819769, 638450708
    accum_bits = output_integer_bits + 1
    shifted_quarter = int(rdbpot(1 << 29, accum_bits))  # Rescale<accum_bits>(1/4)
    z_a = np.asarray(x, dtype=np.int64)
    z_a_headroom_plus_1 = count_leading_zeros_u32(z_a)
    r_a_raw = saturating_left_shift(srdhm(saturating_left_shift(z_a, z_a_headroom_plus_1 - 1), sqrt_half), 1)
    z_a_pow_2_adj = _saturating_add(
        saturating_left_shift(input_integer_bits - z_a_headroom_plus_1, 31 - accum_bits), shifted_quarter)
    z_b_headroom = count_leading_zeros_u32(srdhm(z_a, sqrt_half)) - 1
    r_b_raw = saturating_left_shift(z_a, z_b_headroom)
    z_b_pow_2_adj = _saturating_add(
        saturating_left_shift(input_integer_bits - z_b_headroom, 31 - accum_bits), -shifted_quarter)
    r = np.minimum(r_a_raw, r_b_raw)
    z_pow_2_adj = np.maximum(z_a_pow_2_adj, z_b_pow_2_adj)
    s = r + sqrt_sqrt_half
    p = np.where(s >= 0, (s + 1) // 2, -((-(s - 1)) // 2))  # RoundingHalfSum
    q = wrap_int32(2 * wrap_int32(r - sqrt_sqrt_half))
    common_sq = srdhm(q, q)
    num = wrap_int32(srdhm(q, r) + srdhm(srdhm(q, common_sq), alpha_n))
    denom_minus_one = wrap_int32(srdhm(p, wrap_int32(alpha_i + q + srdhm(alpha_d, common_sq))) + srdhm(alpha_f, q))
    recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one)
    num_scaled = rdbpot(num, accum_bits)
    total = wrap_int32(srdhm(z_pow_2_adj, log_2) + srdhm(num_scaled, recip_denom))
    return saturating_left_shift(total, accum_bits - output_integer_bits)
