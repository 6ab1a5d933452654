/* TFLite's integer arithmetic as static inline C99: the twins of aot/core/quant.py and
 * aot/core/fixedpoint.py (gemmlowp's fixed point, for softmax and log_softmax). Generated kernels include
 * this header; nothing here allocates. */
#ifndef AOT_FIXEDPOINT_H
#define AOT_FIXEDPOINT_H

#include <stdint.h>

/* SaturatingRoundingDoublingHighMul */
static inline int32_t aot_srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* RoundingDivideByPOT: x / 2^e rounded half away from zero (0 <= e <= 31). */
static inline int32_t aot_rdbpot(int32_t x, int e)
{
    const int32_t mask = (int32_t)((((uint32_t)1) << e) - 1u);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (remainder > threshold ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier: x * m * 2^(shift - 31), TFLM's double-rounding form. */
static inline int32_t aot_mbqm(int32_t x, int32_t m, int shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return aot_rdbpot(aot_srdhm((int32_t)((uint32_t)x << left), m), right);
}

/* Requantisation of one output channel in one rounding step, for the DSP and blocked kernels
 * where codegen_c/dsp.py fast_requant proves it equal to aot_mbqm's two: m the multiplier, sh = right shift - 1, and
 * (khi:klo) = 2^30 + 2^(30+e) + out_offset * 2^(31+e) for the right shift e. TFLM's
 * MultiplyByQuantizedMultiplier rounds twice (SRDHM, then RoundingDivideByPOT); both
 * roundings fold into one: floor((acc*m + k - [acc<0]*2^31) / 2^(31+e)). */
typedef struct {
    int32_t m;
    int32_t sh;
    uint32_t klo;
    int32_t khi;
} aot_rq_t;

/* The high word of acc * m + k - [acc < 0] * 2^31, k the 64-bit constant of q (m passed in: a
 * kernel loads it once for the outputs of one channel). */
static inline int32_t aot_rq_hi_c(int32_t acc, int32_t m, const aot_rq_t *q)
{
    int64_t p = (int64_t)(((uint64_t)(uint32_t)q->khi << 32) | q->klo);
    p -= (int64_t)((uint32_t)acc >> 31) << 31;
    p += (int64_t)acc * m;
    return (int32_t)(p >> 32);
}

/* The same with SIMD32 cores' LDRD and two SMLAL (GCC builds the 64-bit sum less tightly). */
#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
static inline int32_t aot_rq_hi(int32_t acc, int32_t m, const aot_rq_t *q)
{
    uint32_t lo, t;
    int32_t hi;
    __asm__("ldrd %[lo], %[hi], [%[q], #8]\n\t"
            "smlal %[lo], %[hi], %[acc], %[m]\n\t"
            "lsr %[t], %[acc], #31\n\t"
            "smlal %[lo], %[hi], %[t], %[c]"
            : [lo] "=&r"(lo), [hi] "=&r"(hi), [t] "=&r"(t)
            : [q] "r"(q), [acc] "r"(acc), [m] "r"(m), [c] "r"(INT32_MIN), "m"(*q));
    return hi;
}
#else
#define aot_rq_hi aot_rq_hi_c
#endif

/* One requantisation; constants known at compile time (a literal aot_rq_t, as the LSTM kernel
 * writes them) go through the C form, which GCC folds into immediates. */
static inline int32_t aot_rq(int32_t acc, const aot_rq_t *q)
{
    if (__builtin_constant_p(q->m) && __builtin_constant_p(q->klo) && __builtin_constant_p(q->khi)) {
        return aot_rq_hi_c(acc, q->m, q) >> q->sh;
    }
    return aot_rq_hi(acc, q->m, q) >> q->sh;
}

/* MultiplyByQuantizedMultiplier(int64_t x, ...) of TFLM's 16x8 kernels: the multiplier rounded
 * to 16 bits, one rounding shift by 15 - shift (shift < 8), truncated to int32. */
static inline int32_t aot_mbqm64(int64_t x, int32_t m, int shift)
{
    const int64_t reduced = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
    const int total = 15 - shift;
    return (int32_t)((x * reduced + ((int64_t)1 << (total - 1))) >> total);
}

/* SaturatingRoundingMultiplyByPOT with a positive exponent: x * 2^e saturated to int32. */
static inline int32_t aot_sat_shl(int32_t x, int e)
{
    const int32_t threshold = (int32_t)((((uint32_t)1) << (31 - e)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << e);
}

/* A FixedPoint<int32, I> value is its raw int32 with I integer bits and 31 - I fractional
 * ones; the product of two raws is aot_srdhm. */

/* exp(a) for a in [-1/4, 0), a and the result with 0 integer bits. */
static inline int32_t aot_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a)
{
    const int32_t constant_term = 1895147668;   /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;
    const int32_t x = a + (1 << 28);            /* a + 1/8 */
    const int32_t x2 = aot_srdhm(x, x);
    const int32_t x3 = aot_srdhm(x2, x);
    const int32_t x4 = aot_srdhm(x2, x2);
    const int32_t x4_over_4 = aot_rdbpot(x4, 2);
    const int32_t poly = aot_rdbpot(aot_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
    return constant_term + aot_srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0 with `integer_bits` integer bits; the result with 0 integer bits. */
static inline int32_t aot_exp_on_negative_values(int32_t a, int integer_bits)
{
    const int frac_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
    int32_t result = aot_exp_on_interval_between_negative_one_quarter_and_0_excl(
        aot_sat_shl(a_mod_quarter_minus_one_quarter, integer_bits));
    const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
    /* gemmlowp's barrel shifter: times exp(-2^k) for each bit 2^k of the remainder */
#define AOT_EXP_BARREL(k, exp_minus_2_pow_k)                                                    \
    if (integer_bits > (k) && (remainder & ((int32_t)1 << (frac_bits + (k))))) {               \
        result = aot_srdhm(result, exp_minus_2_pow_k);                                         \
    }
    AOT_EXP_BARREL(-2, 1672461947)
    AOT_EXP_BARREL(-1, 1302514674)
    AOT_EXP_BARREL(0, 790015084)
    AOT_EXP_BARREL(1, 290630308)
    AOT_EXP_BARREL(2, 39332535)
    AOT_EXP_BARREL(3, 720401)
    AOT_EXP_BARREL(4, 242)
#undef AOT_EXP_BARREL
    if (integer_bits > 5 && a < -((int32_t)1 << (36 - integer_bits))) {
        result = 0;
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1); a and the result with 0 integer bits (Newton-Raphson). */
static inline int32_t aot_one_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    const int64_t s = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);  /* RoundingHalfSum */
    const int32_t constant_48_over_17 = 1515870810;
    const int32_t constant_neg_32_over_17 = -1010580540;
    int32_t x = constant_48_over_17 + aot_srdhm(half_denominator, constant_neg_32_over_17);
    for (int i = 0; i < 3; ++i) {
        const int32_t one_minus = (1 << 29) - aot_srdhm(half_denominator, x);
        x = x + aot_sat_shl(aot_srdhm(x, one_minus), 2);
    }
    return aot_sat_shl(x, 1);
}

/* The leading zeros of x as a uint32 (32 for 0). */
static inline int aot_clz(int32_t x)
{
    int n = 0;
    while (n < 32 && !(((uint32_t)x << n) & 0x80000000u)) {
        ++n;
    }
    return n;
}

/* TFLite's GetReciprocal: 1 / x for x > 0 with `x_integer_digits` integer bits, as the raw
 * with 0 integer bits of 1 / x scaled by 2^-num_bits_over_unit. */
static inline int32_t aot_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit)
{
    const int headroom_plus_one = aot_clz(x);
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    const int32_t shifted_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - 0x80000000u);
    return aot_one_over_one_plus_x_for_x_in_0_1(shifted_minus_one);
}

/* TFLite's log_x_for_x_greater_than_or_equal_to_1_impl (for log_softmax): log(x) of x with
 * `input_bits` integer bits, the result with `output_bits` integer bits. Raw sums wrap as
 * gemmlowp's FixedPoint + does. */
static inline int32_t aot_log_x_for_x_greater_than_or_equal_to_1(int32_t x, int input_bits, int output_bits)
{
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
    const int accum_bits = output_bits + 1;
    const int32_t shifted_quarter = aot_rdbpot(1 << 29, accum_bits);
    const int z_a_headroom_plus_1 = aot_clz(x);
    const int32_t r_a = aot_sat_shl(aot_srdhm(aot_sat_shl(x, z_a_headroom_plus_1 - 1), sqrt_half), 1);
    const int64_t a_adj = (int64_t)aot_sat_shl(input_bits - z_a_headroom_plus_1, 31 - accum_bits) + shifted_quarter;
    const int32_t z_a_pow_2_adj = (int32_t)(a_adj > INT32_MAX ? INT32_MAX : a_adj);
    const int z_b_headroom = aot_clz(aot_srdhm(x, sqrt_half)) - 1;
    const int32_t r_b = aot_sat_shl(x, z_b_headroom);
    const int64_t b_adj = (int64_t)aot_sat_shl(input_bits - z_b_headroom, 31 - accum_bits) - shifted_quarter;
    const int32_t z_b_pow_2_adj = (int32_t)(b_adj < INT32_MIN ? INT32_MIN : b_adj);
    const int32_t r = r_a < r_b ? r_a : r_b;
    const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
    const int64_t s = (int64_t)r + sqrt_sqrt_half;
    const int32_t p = (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);  /* RoundingHalfSum */
    const int32_t q = (int32_t)((uint32_t)(r - sqrt_sqrt_half) * 2u);
    const int32_t common_sq = aot_srdhm(q, q);
    const int32_t num = (int32_t)((uint32_t)aot_srdhm(q, r) + (uint32_t)aot_srdhm(aot_srdhm(q, common_sq), alpha_n));
    const int32_t inner = (int32_t)((uint32_t)alpha_i + (uint32_t)q + (uint32_t)aot_srdhm(alpha_d, common_sq));
    const int32_t denom_minus_one = (int32_t)((uint32_t)aot_srdhm(p, inner) + (uint32_t)aot_srdhm(alpha_f, q));
    const int32_t recip_denom = aot_one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
    const int32_t total = (int32_t)((uint32_t)aot_srdhm(z_pow_2_adj, log_2)
                                    + (uint32_t)aot_srdhm(aot_rdbpot(num, accum_bits), recip_denom));
    return aot_sat_shl(total, accum_bits - output_bits);
}

static inline int32_t aot_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

static inline float aot_clampf(float x, float lo, float hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* std::round (half away from zero) of a float, saturated to +-2^30. */
static inline int32_t aot_roundf(float x)
{
    if (x >= 1073741824.0f) {
        return 1073741824;
    }
    if (x <= -1073741824.0f) {
        return -1073741824;
    }
    int32_t r = (int32_t)x;
    const float frac = x - (float)r;
    if (frac >= 0.5f) {
        r += 1;
    } else if (frac <= -0.5f) {
        r -= 1;
    }
    return r;
}

#endif
