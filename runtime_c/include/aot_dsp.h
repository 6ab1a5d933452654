/* Kernels for Cortex-M cores with the DSP extension (M4, M7, M33, M55): dual 16-bit MACs
 * (SMLAD) on operands sign-extended two at a time (SXTB16). Included by model.c when an
 * operator uses a *_dsp variant (templates/ops/<op>_dsp.c.j2).
 *
 * Without __ARM_FEATURE_SIMD32 (the host, Cortex-M0/M3) every intrinsic has a plain C twin
 * below, so the same kernels run, bit for bit, in host tests.
 *
 * Conventions (codegen_c/variants.py prepares the constants at compile time):
 * - a "column" is K4 int16 values (input + input offset, zeros in padding, K rounded up to
 *   a multiple of 4), 4-byte aligned, natural order;
 * - weight rows are K4 int8 values, each group of 4 stored as w0 w2 w1 w3, so that
 *   SXTB16(word) = (w0, w1) and SXTB16(word ror 8) = (w2, w3) pair with the column's words;
 * - aot_rq_t is the requantisation of one output channel with the output offset folded in
 *   (aot_rq below); it is exact for right shifts of 1..23 and multipliers above 2^30.
 */
#ifndef AOT_DSP_H
#define AOT_DSP_H

#include <stdint.h>

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <arm_acle.h>
#define AOT_SIMD32 1
#define aot_sxtb16(x) ((int32_t)__sxtb16((int32_t)(x)))
#define aot_sxtab16(a, x) ((int32_t)__sxtab16((int32_t)(a), (int32_t)(x)))
static inline int32_t aot_sxtb16_ror8(uint32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline int32_t aot_sxtab16_ror8(int32_t a, uint32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
#define aot_smlad(a, b, acc) ((int32_t)__smlad((int32_t)(a), (int32_t)(b), (int32_t)(acc)))
#define aot_smlabb(a, b, acc) ((int32_t)__smlabb((int32_t)(a), (int32_t)(b), (int32_t)(acc)))
#define aot_smlatt(a, b, acc) ((int32_t)__smlatt((int32_t)(a), (int32_t)(b), (int32_t)(acc)))
#define aot_pkhbt(a, b) ((int32_t)(((uint32_t)(a) & 0xFFFFu) | ((uint32_t)(b) << 16)))
#define aot_pkhtb(a, b) ((int32_t)(((uint32_t)(a) & 0xFFFF0000u) | ((uint32_t)(b) >> 16)))
#else
#define AOT_SIMD32 0
static inline int32_t aot_pack16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}
static inline int32_t aot_lo16(int32_t v)
{
    return (int32_t)(int16_t)(uint16_t)((uint32_t)v & 0xFFFFu);
}
static inline int32_t aot_hi16(int32_t v)
{
    return (int32_t)(int16_t)(uint16_t)((uint32_t)v >> 16);
}
static inline int32_t aot_sxtb16(uint32_t x)
{
    return aot_pack16((int8_t)(x & 0xFFu), (int8_t)((x >> 16) & 0xFFu));
}
static inline int32_t aot_sxtb16_ror8(uint32_t x)
{
    return aot_sxtb16((x >> 8) | (x << 24));
}
static inline int32_t aot_sxtab16(int32_t a, uint32_t x)
{
    return aot_pack16(aot_lo16(a) + (int8_t)(x & 0xFFu), aot_hi16(a) + (int8_t)((x >> 16) & 0xFFu));
}
static inline int32_t aot_sxtab16_ror8(int32_t a, uint32_t x)
{
    return aot_sxtab16(a, (x >> 8) | (x << 24));
}
static inline int32_t aot_smlad(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(aot_lo16(a) * aot_lo16(b)) + (uint32_t)(aot_hi16(a) * aot_hi16(b)));
}
static inline int32_t aot_smlabb(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(aot_lo16(a) * aot_lo16(b)));
}
static inline int32_t aot_smlatt(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(aot_hi16(a) * aot_hi16(b)));
}
static inline int32_t aot_pkhbt(int32_t a, int32_t b)
{
    return aot_pack16(a, b);
}
static inline int32_t aot_pkhtb(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a & 0xFFFF0000u) | ((uint32_t)b >> 16));
}
#endif

/* Unaligned 32-bit load (one LDR on v7-M). */
static inline uint32_t aot_ld32(const void *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

/* Requantisation of one output channel: m the multiplier, sh = right shift - 1, and
 * (khi:klo) = 2^30 + 2^(30+e) + out_offset * 2^(31+e) for the right shift e. TFLM's
 * MultiplyByQuantizedMultiplier rounds twice (SRDHM, then RoundingDivideByPOT); both
 * roundings fold into one: floor((acc*m + k - [acc<0]*2^31) / 2^(31+e)). */
typedef struct {
    int32_t m;
    int32_t sh;
    uint32_t klo;
    int32_t khi;
} aot_rq_t;

static inline int32_t aot_rq(int32_t acc, const aot_rq_t *q)
{
    int64_t p = (int64_t)(((uint64_t)(uint32_t)q->khi << 32) | q->klo);
    p -= (int64_t)((uint32_t)acc >> 31) << 31;
    p += (int64_t)acc * q->m;
    return (int32_t)(p >> 32) >> q->sh;
}

static inline int8_t aot_sat8(int32_t v, int32_t lo, int32_t hi)
{
    v = v < lo ? lo : v;
    return (int8_t)(v > hi ? hi : v);
}

/* dst[0..k4) = src[0..k) + off as int16, zeros after k. k4 = k rounded up to 4. */
static inline void aot_col_s8(const int8_t *src, int16_t *dst, int k, int32_t off)
{
    int i = 0;
#if AOT_SIMD32
    const int32_t offp = (int32_t)(((uint32_t)off & 0xFFFFu) * 0x10001u);
    int32_t *d = (int32_t *)(void *)dst;
    for (int j = k >> 2; j > 0; --j) {
        const uint32_t v = aot_ld32(src);
        const int32_t a = aot_sxtab16(offp, v);       /* x0, x2 */
        const int32_t b = aot_sxtab16_ror8(offp, v);  /* x1, x3 */
        d[0] = aot_pkhbt(a, b);
        d[1] = aot_pkhtb(b, a);
        d += 2;
        src += 4;
    }
    i = k & ~3;
    src -= i;
#endif
    for (; i < k; ++i) {
        dst[i] = (int16_t)(src[i] + off);
    }
    if (k & 3) {
        for (int j = k & 3; j < 4; ++j) {
            dst[(k & ~3) + j] = 0;
        }
    }
}

/* dst[0..n) = 0 (n even). */
static inline void aot_zero16(int16_t *dst, int n)
{
    int32_t *d = (int32_t *)(void *)dst;
    for (int i = 0; i < n; i += 2) {
        *d++ = 0;
    }
}

/* Two columns c0, c1 (K4 values each) times n rows of weights: out0[r], out1[r] for r < n. */
static __attribute__((noinline, unused)) void aot_mm_2col(const int8_t *w, const int16_t *c0, const int16_t *c1,
                                                           int k4, int n, const int32_t *bias, const aot_rq_t *rq,
                                                           int8_t *out0, int8_t *out1, int32_t lo, int32_t hi)
{
    int r = 0;
    for (; r + 2 <= n; r += 2) {
        const int8_t *wa = w + r * k4;
        const int8_t *wb = wa + k4;
        const int32_t *p0 = (const int32_t *)(const void *)c0;
        const int32_t *p1 = (const int32_t *)(const void *)c1;
        int32_t a00 = bias[r], a01 = a00, a10 = bias[r + 1], a11 = a10;
        for (int k = k4 >> 2; k > 0; --k) {
            const uint32_t va = aot_ld32(wa);
            const uint32_t vb = aot_ld32(wb);
            wa += 4;
            wb += 4;
            const int32_t x00 = p0[0], x01 = p0[1];
            const int32_t x10 = p1[0], x11 = p1[1];
            p0 += 2;
            p1 += 2;
            const int32_t wa0 = aot_sxtb16(va), wa1 = aot_sxtb16_ror8(va);
            a00 = aot_smlad(wa0, x00, a00);
            a00 = aot_smlad(wa1, x01, a00);
            a01 = aot_smlad(wa0, x10, a01);
            a01 = aot_smlad(wa1, x11, a01);
            const int32_t wb0 = aot_sxtb16(vb), wb1 = aot_sxtb16_ror8(vb);
            a10 = aot_smlad(wb0, x00, a10);
            a10 = aot_smlad(wb1, x01, a10);
            a11 = aot_smlad(wb0, x10, a11);
            a11 = aot_smlad(wb1, x11, a11);
        }
        out0[r] = aot_sat8(aot_rq(a00, rq + r), lo, hi);
        out1[r] = aot_sat8(aot_rq(a01, rq + r), lo, hi);
        out0[r + 1] = aot_sat8(aot_rq(a10, rq + r + 1), lo, hi);
        out1[r + 1] = aot_sat8(aot_rq(a11, rq + r + 1), lo, hi);
    }
    if (r < n) {
        const int8_t *wa = w + r * k4;
        const int32_t *p0 = (const int32_t *)(const void *)c0;
        const int32_t *p1 = (const int32_t *)(const void *)c1;
        int32_t a00 = bias[r], a01 = a00;
        for (int k = k4 >> 2; k > 0; --k) {
            const uint32_t va = aot_ld32(wa);
            wa += 4;
            const int32_t wa0 = aot_sxtb16(va), wa1 = aot_sxtb16_ror8(va);
            a00 = aot_smlad(wa0, p0[0], a00);
            a00 = aot_smlad(wa1, p0[1], a00);
            a01 = aot_smlad(wa0, p1[0], a01);
            a01 = aot_smlad(wa1, p1[1], a01);
            p0 += 2;
            p1 += 2;
        }
        out0[r] = aot_sat8(aot_rq(a00, rq + r), lo, hi);
        out1[r] = aot_sat8(aot_rq(a01, rq + r), lo, hi);
    }
}

/* One column c (K4 values) times n rows of weights, four rows at a time: out[r] for r < n. */
static __attribute__((noinline, unused)) void aot_mm_1col(const int8_t *w, const int16_t *c, int k4, int n,
                                                           const int32_t *bias, const aot_rq_t *rq, int8_t *out,
                                                           int32_t lo, int32_t hi)
{
    int r = 0;
    for (; r + 4 <= n; r += 4) {
        const int8_t *w0 = w + r * k4;
        const int8_t *w1 = w0 + k4;
        const int8_t *w2 = w1 + k4;
        const int8_t *w3 = w2 + k4;
        const int32_t *p = (const int32_t *)(const void *)c;
        int32_t a0 = bias[r], a1 = bias[r + 1], a2 = bias[r + 2], a3 = bias[r + 3];
        for (int k = k4 >> 2; k > 0; --k) {
            const int32_t x0 = p[0], x1 = p[1];
            p += 2;
            uint32_t v = aot_ld32(w0);
            w0 += 4;
            a0 = aot_smlad(aot_sxtb16(v), x0, a0);
            a0 = aot_smlad(aot_sxtb16_ror8(v), x1, a0);
            v = aot_ld32(w1);
            w1 += 4;
            a1 = aot_smlad(aot_sxtb16(v), x0, a1);
            a1 = aot_smlad(aot_sxtb16_ror8(v), x1, a1);
            v = aot_ld32(w2);
            w2 += 4;
            a2 = aot_smlad(aot_sxtb16(v), x0, a2);
            a2 = aot_smlad(aot_sxtb16_ror8(v), x1, a2);
            v = aot_ld32(w3);
            w3 += 4;
            a3 = aot_smlad(aot_sxtb16(v), x0, a3);
            a3 = aot_smlad(aot_sxtb16_ror8(v), x1, a3);
        }
        out[r] = aot_sat8(aot_rq(a0, rq + r), lo, hi);
        out[r + 1] = aot_sat8(aot_rq(a1, rq + r + 1), lo, hi);
        out[r + 2] = aot_sat8(aot_rq(a2, rq + r + 2), lo, hi);
        out[r + 3] = aot_sat8(aot_rq(a3, rq + r + 3), lo, hi);
    }
    for (; r < n; ++r) {
        const int8_t *w0 = w + r * k4;
        const int32_t *p = (const int32_t *)(const void *)c;
        int32_t a0 = bias[r];
        for (int k = k4 >> 2; k > 0; --k) {
            const uint32_t v = aot_ld32(w0);
            w0 += 4;
            a0 = aot_smlad(aot_sxtb16(v), p[0], a0);
            a0 = aot_smlad(aot_sxtb16_ror8(v), p[1], a0);
            p += 2;
        }
        out[r] = aot_sat8(aot_rq(a0, rq + r), lo, hi);
    }
}

#endif
