/* TFLite's integer arithmetic as static inline C99: the twins of aot/quant.py and
 * aot/fixedpoint.py. Generated kernels include this header; nothing here allocates. */
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
