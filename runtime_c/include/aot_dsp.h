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

/* GCC specialises the kernels for constant arguments and then warns about loops it proves
 * never run (e.g. the row tail when n is a multiple of 4). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"

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
static inline int32_t aot_pkhbt(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t aot_pkhtb(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
/* Four groups of taps: a0 += xa.lo * wa.lo, a1 += xa.hi * wa.hi, a2, a3 likewise with xb, wb
 * (in asm so that the compiler keeps one accumulator chain per register). */
#define AOT_MAC4_DW(a0, a1, a2, a3, xa, xb, wa, wb) \
    __asm__("smlabb %0, %4, %6, %0\n\tsmlatt %1, %4, %6, %1\n\tsmlabb %2, %5, %7, %2\n\tsmlatt %3, %5, %7, %3" \
            : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3) : "r"(xa), "r"(xb), "r"(wa), "r"(wb))
/* AOT_MAC4_DW on the words at byte offsets xo of p (xa, xb) and wo of w (wa, wb). */
#define AOT_DW_TAP(a0, a1, a2, a3, P_, XO_, W_, WO_)                                               \
    do {                                                                                       \
        int32_t xa_, xb_, wa_, wb_;                                                            \
        __asm__("ldrd %[xa], %[xb], [%[p], %[xo]]\n\t"                                          \
                "ldrd %[wa], %[wb], [%[w], %[wo]]\n\t"                                          \
                "smlabb %[a0], %[xa], %[wa], %[a0]\n\t"                                         \
                "smlatt %[a1], %[xa], %[wa], %[a1]\n\t"                                         \
                "smlabb %[a2], %[xb], %[wb], %[a2]\n\t"                                         \
                "smlatt %[a3], %[xb], %[wb], %[a3]"                                              \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xa] "=&r"(xa_),  \
                  [xb] "=&r"(xb_), [wa] "=&r"(wa_), [wb] "=&r"(wb_)                             \
                : [p] "r"(P_), [xo] "i"(XO_), [w] "r"(W_), [wo] "i"(WO_)                            \
                : "memory");                                                                   \
    } while (0)
/* Two weight words (rows a, b; 4 int8 each, stored w0 w2 w1 w3) from w, two columns of 4
 * int16 from p (words x00 x01 of column 0, then x10 x11 of column 1): 16 MACs. */
#define AOT_MM_2X2_STEP(w, p, a00, a01, a10, a11)                                   \
    do {                                                                             \
        int32_t va_, vb_, x00_, x01_, x10_, x11_, t_;                                \
        __asm__("ldrd %[va], %[vb], [%[w]], #8\n\t"                                  \
                "ldrd %[x00], %[x01], [%[p]], #8\n\t"                                \
                "ldrd %[x10], %[x11], [%[p]], #8\n\t"                                \
                "sxtb16 %[t], %[va]\n\t"                                             \
                "sxtb16 %[va], %[va], ror #8\n\t"                                    \
                "smlad %[a00], %[t], %[x00], %[a00]\n\t"                             \
                "smlad %[a01], %[t], %[x10], %[a01]\n\t"                             \
                "smlad %[a00], %[va], %[x01], %[a00]\n\t"                            \
                "smlad %[a01], %[va], %[x11], %[a01]\n\t"                            \
                "sxtb16 %[t], %[vb]\n\t"                                             \
                "sxtb16 %[vb], %[vb], ror #8\n\t"                                    \
                "smlad %[a10], %[t], %[x00], %[a10]\n\t"                             \
                "smlad %[a11], %[t], %[x10], %[a11]\n\t"                             \
                "smlad %[a10], %[vb], %[x01], %[a10]\n\t"                            \
                "smlad %[a11], %[vb], %[x11], %[a11]"                                 \
                : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), \
                  [w] "+r"(w), [p] "+r"(p), [va] "=&r"(va_), [vb] "=&r"(vb_),         \
                  [x00] "=&r"(x00_), [x01] "=&r"(x01_), [x10] "=&r"(x10_),            \
                  [x11] "=&r"(x11_), [t] "=&r"(t_)                                     \
                :                                                                    \
                : "memory");                                                         \
    } while (0)
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
#define AOT_MAC4_DW(a0, a1, a2, a3, xa, xb, wa, wb) \
    do {                                              \
        a0 = aot_smlabb(xa, wa, a0);                  \
        a1 = aot_smlatt(xa, wa, a1);                  \
        a2 = aot_smlabb(xb, wb, a2);                  \
        a3 = aot_smlatt(xb, wb, a3);                  \
    } while (0)
#define AOT_DW_TAP(a0, a1, a2, a3, p, xo, w, wo) \
    AOT_MAC4_DW(a0, a1, a2, a3, (p)[(xo) / 4], (p)[(xo) / 4 + 1], (w)[(wo) / 4], (w)[(wo) / 4 + 1])
#define AOT_MM_2X2_STEP(w, p, a00, a01, a10, a11)                       \
    do {                                                                 \
        const int32_t va_ = (w)[0], vb_ = (w)[1];                        \
        const int32_t wa0_ = aot_sxtb16(va_), wa1_ = aot_sxtb16_ror8(va_); \
        const int32_t wb0_ = aot_sxtb16(vb_), wb1_ = aot_sxtb16_ror8(vb_); \
        a00 = aot_smlad(wa1_, (p)[1], aot_smlad(wa0_, (p)[0], a00));     \
        a01 = aot_smlad(wa1_, (p)[3], aot_smlad(wa0_, (p)[2], a01));     \
        a10 = aot_smlad(wb1_, (p)[1], aot_smlad(wb0_, (p)[0], a10));     \
        a11 = aot_smlad(wb1_, (p)[3], aot_smlad(wb0_, (p)[2], a11));     \
        (w) += 2;                                                        \
        (p) += 4;                                                        \
    } while (0)
#endif

/* Unaligned 32-bit load (one LDR on v7-M). */
static inline uint32_t aot_ld32(const void *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

/* Unaligned 32-bit store (one STR on v7-M). */
static inline void aot_st32(void *p, uint32_t v)
{
    __builtin_memcpy(p, &v, 4);
}

/* SMMLA: the high word of a * m + (c << 32); aot_ssat8: v saturated to int8 (SSAT). */
#if AOT_SIMD32
static inline int32_t aot_smmla(int32_t a, int32_t m, int32_t c)
{
    int32_t r;
    __asm__("smmla %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(m), "r"(c));
    return r;
}
#define aot_ssat8(v) ((int32_t)__ssat((v), 8))
#else
static inline int32_t aot_smmla(int32_t a, int32_t m, int32_t c)
{
    return (int32_t)(((int64_t)a * m + (int64_t)((uint64_t)(uint32_t)c << 32)) >> 32);
}
static inline int32_t aot_ssat8(int32_t v)
{
    return v < -128 ? -128 : (v > 127 ? 127 : v);
}
#endif

/* Per-byte signed maximum / minimum of four int8 lanes (SSUB8 sets the GE flags, SEL picks). */
#if AOT_SIMD32
static inline uint32_t aot_max8(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}
static inline uint32_t aot_min8(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}
#else
static inline uint32_t aot_max8(uint32_t a, uint32_t b)
{
    uint32_t r = 0;
    for (int k = 0; k < 32; k += 8) {
        const int8_t x = (int8_t)(a >> k), y = (int8_t)(b >> k);
        r |= (uint32_t)(uint8_t)(x >= y ? x : y) << k;
    }
    return r;
}
static inline uint32_t aot_min8(uint32_t a, uint32_t b)
{
    return a ^ b ^ aot_max8(a, b); /* per byte: the one the maximum did not take */
}
#endif

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

/* Requantise, add `off` (the output offset when aot_rq_t could not fold it, else 0), clamp. */
static inline int8_t aot_out(int32_t acc, const aot_rq_t *q, int32_t off, int32_t lo, int32_t hi)
{
    return aot_sat8(aot_rq(acc, q) + off, lo, hi);
}

/* aot_out of four accumulators into out[0..3] with the requantisation entries q[0..3]. */
static inline __attribute__((always_inline)) void aot_out4(int8_t *out, int32_t a0, int32_t a1, int32_t a2, int32_t a3, const aot_rq_t *q,
                            int32_t off, int32_t lo, int32_t hi)
{
    out[0] = aot_out(a0, q, off, lo, hi);
    out[1] = aot_out(a1, q + 1, off, lo, hi);
    out[2] = aot_out(a2, q + 2, off, lo, hi);
    out[3] = aot_out(a3, q + 3, off, lo, hi);
}

/* int8 average of `count` values summing to `sum`, rounded half away from zero (TFLM). */
static inline int8_t aot_avg8(int32_t sum, int32_t count, int32_t lo, int32_t hi)
{
    const int32_t q = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    return aot_sat8(q, lo, hi);
}

/* Four weight words (rows a..d of a quad, 4 int8 each in natural order) from w against one
 * word of 4 int8 inputs read straight from x (no offset: it is folded into the bias):
 * SXTB16 pairs bytes 0,2 and (ror 8) bytes 1,3 of both. 16 MACs. x may be unaligned (LDR). */
#if AOT_SIMD32
#define AOT_FC_4X4_STEP(W_, X_, a0, a1, a2, a3)                                        \
    do {                                                                             \
        int32_t xa_, xb_, va_, vb_, t_;                                              \
        __asm__("ldr %[xa], [%[x]], #4\n\t"                                          \
                "ldrd %[va], %[vb], [%[w]], #8\n\t"                                  \
                "sxtb16 %[xb], %[xa], ror #8\n\t"                                    \
                "sxtb16 %[xa], %[xa]\n\t"                                            \
                "sxtb16 %[t], %[va]\n\t"                                             \
                "sxtb16 %[va], %[va], ror #8\n\t"                                    \
                "smlad %[a0], %[t], %[xa], %[a0]\n\t"                                \
                "smlad %[a0], %[va], %[xb], %[a0]\n\t"                               \
                "sxtb16 %[t], %[vb]\n\t"                                             \
                "sxtb16 %[vb], %[vb], ror #8\n\t"                                    \
                "smlad %[a1], %[t], %[xa], %[a1]\n\t"                                \
                "smlad %[a1], %[vb], %[xb], %[a1]\n\t"                               \
                "ldrd %[va], %[vb], [%[w]], #8\n\t"                                  \
                "sxtb16 %[t], %[va]\n\t"                                             \
                "sxtb16 %[va], %[va], ror #8\n\t"                                    \
                "smlad %[a2], %[t], %[xa], %[a2]\n\t"                                \
                "smlad %[a2], %[va], %[xb], %[a2]\n\t"                               \
                "sxtb16 %[t], %[vb]\n\t"                                             \
                "sxtb16 %[vb], %[vb], ror #8\n\t"                                    \
                "smlad %[a3], %[t], %[xa], %[a3]\n\t"                                \
                "smlad %[a3], %[vb], %[xb], %[a3]"                                   \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),        \
                  [w] "+r"(W_), [x] "+r"(X_), [va] "=&r"(va_), [vb] "=&r"(vb_),        \
                  [xa] "=&r"(xa_), [xb] "=&r"(xb_), [t] "=&r"(t_)                    \
                :                                                                    \
                : "memory");                                                         \
    } while (0)
#else
#define AOT_FC_4X4_STEP(w, x, a0, a1, a2, a3)                                        \
    do {                                                                             \
        const uint32_t v_ = aot_ld32(x);                                             \
        const int32_t xa_ = aot_sxtb16(v_), xb_ = aot_sxtb16_ror8(v_);               \
        a0 = aot_smlad(aot_sxtb16_ror8((w)[0]), xb_, aot_smlad(aot_sxtb16((w)[0]), xa_, a0)); \
        a1 = aot_smlad(aot_sxtb16_ror8((w)[1]), xb_, aot_smlad(aot_sxtb16((w)[1]), xa_, a1)); \
        a2 = aot_smlad(aot_sxtb16_ror8((w)[2]), xb_, aot_smlad(aot_sxtb16((w)[2]), xa_, a2)); \
        a3 = aot_smlad(aot_sxtb16_ror8((w)[3]), xb_, aot_smlad(aot_sxtb16((w)[3]), xa_, a3)); \
        (w) += 4;                                                                    \
        (x) += 4;                                                                    \
    } while (0)
#endif

/* The last k & 3 int8 of a row (k & 3 > 0) as a word, zeros above (their weights are 0). */
static inline uint32_t aot_tail32(const int8_t *x, int rem)
{
    uint32_t v = (uint8_t)x[0];
    if (rem > 1) {
        v |= (uint32_t)(uint8_t)x[1] << 8;
    }
    if (rem > 2) {
        v |= (uint32_t)(uint8_t)x[2] << 16;
    }
    return v;
}

/* acc + words 4-byte groups of int8 from p (any alignment) times one weight row's words at
 * *w (natural byte order; *w advances). */
static inline int32_t aot_dot1_s8(const int8_t *p, const int32_t **w, int words, int32_t acc)
{
    for (; words > 0; --words, p += 4) {
        const uint32_t v = aot_ld32(p);
        const int32_t u = *(*w)++;
        acc = aot_smlad(aot_sxtb16_ror8(u), aot_sxtb16_ror8(v), aot_smlad(aot_sxtb16(u), aot_sxtb16(v), acc));
    }
    return acc;
}

/* A fully connected row: k int8 inputs read in place from x (any alignment; the input offset
 * is folded into the bias at compile time) times n weight rows (natural byte order, rows
 * zero-padded to a multiple of 4, quads of rows interleaved per group of 4 values, then the
 * last n % 4 rows one after another): out[r] for r < n. No scratch. */
static __attribute__((noinline, unused)) void aot_fc_s8(const int8_t *x, const int32_t *w, int k, int n,
                                                         const int32_t *bias, const aot_rq_t *rq, int8_t *out,
                                                         int32_t off, int32_t lo, int32_t hi)
{
    const int full = k >> 2, rem = k & 3;
    const uint32_t last = rem ? aot_tail32(x + (k & ~3), rem) : 0u;
    const int8_t *xl = (const int8_t *)&last;
    int r = 0;
    for (; r + 4 <= n; r += 4) {
        const int8_t *p = x;
        int32_t a0 = bias[r], a1 = bias[r + 1], a2 = bias[r + 2], a3 = bias[r + 3];
        for (int j = full >> 1; j > 0; --j) {
            AOT_FC_4X4_STEP(w, p, a0, a1, a2, a3);
            AOT_FC_4X4_STEP(w, p, a0, a1, a2, a3);
        }
        if (full & 1) {
            AOT_FC_4X4_STEP(w, p, a0, a1, a2, a3);
        }
        if (rem) {
            p = xl;
            AOT_FC_4X4_STEP(w, p, a0, a1, a2, a3);
        }
        aot_out4(out + r, a0, a1, a2, a3, rq + r, off, lo, hi);
    }
    for (; r < n; ++r) {
        const int32_t a0 = aot_dot1_s8(x, &w, full, bias[r]);
        out[r] = aot_out(rem ? aot_dot1_s8(xl, &w, 1, a0) : a0, rq + r, off, lo, hi);
    }
}


/* One output pixel of a convolution read straight from the int8 input (no im2col): kh row
 * segments seg[ky] of 4 * words int8 each (any alignment) times n weight rows (per row the kh
 * segments, natural byte order, zero-padded to whole words; quads of rows interleaved per
 * group of 4 values, then the last n % 4 rows one after another): out[r] for r < n. The
 * input offset is folded into the bias; padding is read as the input zero point. */
static __attribute__((noinline, unused)) void aot_conv_px(const int8_t *const *seg, int kh, int words, const int32_t *w,
                                                           int n, const int32_t *bias, const aot_rq_t *rq, int8_t *out,
                                                           int32_t off, int32_t lo, int32_t hi)
{
    int r = 0;
    for (; r + 4 <= n; r += 4) {
        int32_t a0 = bias[r], a1 = bias[r + 1], a2 = bias[r + 2], a3 = bias[r + 3];
        if (words == 1) { /* one word per row segment (e.g. KW * IC = 4): no inner loop */
            for (const int8_t *const *sp = seg, *const *end = seg + kh; sp != end; ++sp) {
                const int8_t *p = *sp;
                AOT_FC_4X4_STEP(w, p, a0, a1, a2, a3);
            }
        } else {
            for (int ky = 0; ky < kh; ++ky) {
                const int8_t *p = seg[ky];
                for (int j = words; j > 0; --j) {
                    AOT_FC_4X4_STEP(w, p, a0, a1, a2, a3);
                }
            }
        }
        aot_out4(out + r, a0, a1, a2, a3, rq + r, off, lo, hi);
    }
    for (; r < n; ++r) {
        int32_t a0 = bias[r];
        for (int ky = 0; ky < kh; ++ky) {
            a0 = aot_dot1_s8(seg[ky], &w, words, a0);
        }
        out[r] = aot_out(a0, rq + r, off, lo, hi);
    }
}

/* k int8 values (+ off) as int16 pairs, four values (two words) per group, groups `stride`
 * words apart from dst; the last group is zero-padded. */
static inline void aot_col_s8(const int8_t *src, int32_t *dst, int k, int32_t off, int stride)
{
#if AOT_SIMD32
    const int32_t offp = (int32_t)(((uint32_t)off & 0xFFFFu) * 0x10001u);
    for (int j = k >> 2; j > 0; --j) {
        const uint32_t v = aot_ld32(src);
        const int32_t a = aot_sxtab16(offp, v);       /* x0, x2 */
        const int32_t b = aot_sxtab16_ror8(offp, v);  /* x1, x3 */
        dst[0] = aot_pkhbt(a, b);
        dst[1] = aot_pkhtb(b, a);
        dst += stride;
        src += 4;
    }
#else
    for (int j = k >> 2; j > 0; --j) {
        dst[0] = aot_pack16(src[0] + off, src[1] + off);
        dst[1] = aot_pack16(src[2] + off, src[3] + off);
        dst += stride;
        src += 4;
    }
#endif
    if (k & 3) {
        const uint32_t v0 = (uint32_t)(src[0] + off);
        const uint32_t v1 = (k & 3) > 1 ? (uint32_t)(src[1] + off) : 0u;
        const uint32_t v2 = (k & 3) > 2 ? (uint32_t)(src[2] + off) : 0u;
        dst[0] = (int32_t)((v0 & 0xFFFFu) | (v1 << 16));
        dst[1] = (int32_t)(v2 & 0xFFFFu);
    }
}

/* Two int16 columns interleaved per group of 4 values (2 words of column 0, then 2 of column
 * 1): col is the int16 view of the buffer plus 4 * column, value k lives at
 * col[(k >> 2) * 8 + (k & 3)]. aot_col_put writes n int8 values of src (+ off) at k..k+n-1,
 * aot_col_zero n zeros (padding: the input zero point plus its offset); both return k + n.
 * Written in increasing k, a group's last values may be clobbered with zeros until the next
 * call writes them; values past K in the last group are don't-cares (their weights are 0). */
static inline int aot_col_put(int16_t *col, int k, const int8_t *src, int n, int32_t off)
{
    for (; n > 0 && (k & 3); --n, ++k) {
        col[(k >> 2) * 8 + (k & 3)] = (int16_t)(*src++ + off);
    }
    if (n > 0) {
        aot_col_s8(src, (int32_t *)(void *)(col + (k >> 2) * 8), n, off, 4);
        k += n;
    }
    return k;
}

static inline int aot_col_zero(int16_t *col, int k, int n)
{
    const int end = k + n;
    for (; n > 0 && (k & 3); --n, ++k) {
        col[(k >> 2) * 8 + (k & 3)] = 0;
    }
    for (int32_t *d = (int32_t *)(void *)(col + (k >> 2) * 8); n > 0; n -= 4, d += 4) {
        d[0] = 0;
        d[1] = 0;
    }
    return end;
}

/* The interleaved column 0 copied into column 1 (groups of 4 values). */
static inline void aot_col_dup(int32_t *cols, int groups)
{
    for (; groups > 0; --groups, cols += 4) {
        cols[2] = cols[0];
        cols[3] = cols[1];
    }
}

/* dst[0..n) = 0 (n words). */
static inline void aot_zero32(int32_t *dst, int n)
{
    for (int i = 0; i < n; ++i) {
        dst[i] = 0;
    }
}

/* Two columns interleaved in `cols` (per group of 4 values: 2 words of column 0, then 2 of
 * column 1) times n weight rows (pairs of rows interleaved per group, a last odd row alone):
 * out0[r], out1[r] for r < n. */
static __attribute__((noinline, unused)) void aot_mm_2col(const int32_t *w, const int32_t *cols, int groups, int n,
                                                           const int32_t *bias, const aot_rq_t *rq, int8_t *out0,
                                                           int8_t *out1, int32_t off, int32_t lo, int32_t hi)
{
    int r = 0;
    for (; r + 2 <= n; r += 2) {
        const int32_t *p = cols;
        int32_t a00 = bias[r], a01 = a00, a10 = bias[r + 1], a11 = a10;
        for (int k = groups; k > 0; --k) {
            AOT_MM_2X2_STEP(w, p, a00, a01, a10, a11);
        }
        out0[r] = aot_out(a00, rq + r, off, lo, hi);
        out1[r] = aot_out(a01, rq + r, off, lo, hi);
        out0[r + 1] = aot_out(a10, rq + r + 1, off, lo, hi);
        out1[r + 1] = aot_out(a11, rq + r + 1, off, lo, hi);
    }
    if (r < n) {
        const int32_t *p = cols;
        int32_t a00 = bias[r], a01 = a00;
        for (int k = groups; k > 0; --k) {
            const int32_t v = *w++;
            const int32_t w0 = aot_sxtb16(v), w1 = aot_sxtb16_ror8(v);
            a00 = aot_smlad(w1, p[1], aot_smlad(w0, p[0], a00));
            a01 = aot_smlad(w1, p[3], aot_smlad(w0, p[2], a01));
            p += 4;
        }
        out0[r] = aot_out(a00, rq + r, off, lo, hi);
        out1[r] = aot_out(a01, rq + r, off, lo, hi);
    }
}

/* One output row of a depthwise convolution (depth multiplier 1, channels a multiple of 4).
 * Input rows are int16 with the input offset added, group-major: for each group of 4 channels,
 * `pitch` words holding 2 words per column (zero columns stand for left/right padding).
 * rows[ky] points at the row of tap row ky (a zero row for top/bottom padding). Weights wq:
 * per group, per tap, the words (w0,w1), (w2,w3). Output pixel ox reads columns
 * ox * sw + kx * dw. */
static __attribute__((noinline, unused)) void aot_dw_row(const int32_t *const *rows, int kh, int kw, int dw,
                                                          int pitch, int groups, int ow, int sw,
                                                          const int32_t *wq, const int32_t *bias, const aot_rq_t *rq,
                                                          int8_t *out, int c, int32_t off, int32_t lo, int32_t hi)
{
    const int step = 2 * sw;
    const int taps = kh * kw;
    for (int g = 0; g < groups; ++g, wq += 2 * taps, bias += 4, rq += 4, out += 4) {
        int8_t *o = out;
        if (kh == 3 && kw == 3 && dw == 1) {
            const int32_t *p0 = rows[0] + g * pitch, *p1 = rows[1] + g * pitch, *p2 = rows[2] + g * pitch;
            for (int ox = ow; ox > 0; --ox, p0 += step, p1 += step, p2 += step, o += c) {
                int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
#define AOT_DW_TAP_(p, k, t) AOT_DW_TAP(a0, a1, a2, a3, p, 8 * (k), wq, 8 * (t))
                AOT_DW_TAP_(p0, 0, 0);
                AOT_DW_TAP_(p0, 1, 1);
                AOT_DW_TAP_(p0, 2, 2);
                AOT_DW_TAP_(p1, 0, 3);
                AOT_DW_TAP_(p1, 1, 4);
                AOT_DW_TAP_(p1, 2, 5);
                AOT_DW_TAP_(p2, 0, 6);
                AOT_DW_TAP_(p2, 1, 7);
                AOT_DW_TAP_(p2, 2, 8);
#undef AOT_DW_TAP_
                aot_out4(o, a0, a1, a2, a3, rq, off, lo, hi);
            }
            continue;
        }
        for (int ox = 0; ox < ow; ++ox, o += c) {
            int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
            const int32_t *w = wq;
            for (int ky = 0; ky < kh; ++ky) {
                const int32_t *p = rows[ky] + g * pitch + ox * step;
                for (int kx = 0; kx < kw; ++kx, p += 2 * dw, w += 2) {
                    AOT_MAC4_DW(a0, a1, a2, a3, p[0], p[1], w[0], w[1]);
                }
            }
            aot_out4(o, a0, a1, a2, a3, rq, off, lo, hi);
        }
    }
}

#pragma GCC diagnostic pop

#endif
