/* Kernels for Cortex-M cores with the DSP extension (M4, M7, M33, M55): dual 16-bit MACs
 * (SMLAD) on operands sign-extended two at a time (SXTB16). Included by model.c when an
 * operator uses a *_dsp variant (templates/ops/<op>_dsp.c.j2); the large kernels (aot_fc_s8,
 * aot_conv_px, aot_mm_2col, aot_dw_row) are compiled once in aot_dsp.c, which `microaot
 * compile` writes beside model.c for such models. The small pieces below are static inline.
 *
 * Without __ARM_FEATURE_SIMD32 (the host, Cortex-M0/M3) every intrinsic has a plain C twin
 * below, so the same kernels run, bit for bit, in host tests.
 *
 * Conventions (codegen_c/variants.py prepares the constants at compile time):
 * - a "word" is 32 bits of packed lanes: four int8 (uint32_t, as loaded by aot_ld32) or two
 *   int16 (int32_t, the type of ACLE's int16x2_t);
 * - a "column" is K4 int16 values (input + input offset, zeros in padding, K rounded up to
 *   a multiple of 4), 4-byte aligned, natural order;
 * - weight rows are K4 int8 values, each group of 4 stored as w0 w2 w1 w3, so that
 *   SXTB16(word) = (w0, w1) and SXTB16(word ror 8) = (w2, w3) pair with the column's words;
 * - aot_rq_t is the requantisation of one output channel with the output offset folded in
 *   (aot_rq, in aot_fixedpoint.h); it is exact for right shifts of 1..23 and multipliers above 2^30.
 */
#ifndef AOT_DSP_H
#define AOT_DSP_H

#include <stdint.h>

#include "aot_fixedpoint.h"

#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#include <arm_acle.h>
#define AOT_SIMD32 1
static inline int32_t aot_sxtb16(uint32_t x)
{
    return __sxtb16((int32_t)x);
}
static inline int32_t aot_sxtb16_ror8(uint32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline int32_t aot_sxtab16(int32_t a, uint32_t x)
{
    return __sxtab16(a, (int32_t)x);
}
static inline int32_t aot_sxtab16_ror8(int32_t a, uint32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
static inline int32_t aot_smlad(int32_t a, int32_t b, int32_t acc)
{
    return __smlad(a, b, acc);
}
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
#else
#define AOT_SIMD32 0
static inline int32_t aot_pack16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}
static inline int32_t aot_lo16(int32_t v)
{
    return (int16_t)(uint16_t)((uint32_t)v & 0xFFFFu);
}
static inline int32_t aot_hi16(int32_t v)
{
    return (int16_t)(uint16_t)((uint32_t)v >> 16);
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
static inline int8_t aot_ssat8(int32_t v)
{
    return (int8_t)__builtin_arm_ssat(v, 8);  /* ACLE's __ssat, whose macro converts its sign */
}
#else
static inline int32_t aot_smmla(int32_t a, int32_t m, int32_t c)
{
    return (int32_t)(((int64_t)a * m + (int64_t)((uint64_t)(uint32_t)c << 32)) >> 32);
}
static inline int8_t aot_ssat8(int32_t v)
{
    return (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
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
    for (unsigned k = 0; k < 32; k += 8) {
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

/* v clamped to [lo, hi] (within the int8 range): one SSAT where the bounds are known to be
 * the whole int8 range once inlined. */
static inline int8_t aot_sat8(int32_t v, int32_t lo, int32_t hi)
{
    if (__builtin_constant_p(lo == -128 && hi == 127) && lo == -128 && hi == 127) {
        return aot_ssat8(v);
    }
    v = v < lo ? lo : v;
    return (int8_t)(v > hi ? hi : v);
}

/* dst[0..n) clamped to [lo, hi], four values per word (SSUB8 + SEL): the activation range
 * after a kernel of aot_dsp.c, which saturate to int8 (for -128 <= lo <= hi <= 127,
 * clamp(SSAT(v), lo, hi) = clamp(v, lo, hi)). */
static inline void aot_clamp_s8(int8_t *dst, int n, int32_t lo, int32_t hi)
{
    const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, hi4 = (uint32_t)(uint8_t)hi * 0x01010101u;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        aot_st32(dst + i, aot_min8(aot_max8(aot_ld32(dst + i), lo4), hi4));
    }
    for (; i < n; ++i) {
        dst[i] = aot_sat8(dst[i], lo, hi);
    }
}

/* int8 average of `count` values summing to `sum`, rounded half away from zero (TFLM). */
static inline int8_t aot_avg8(int32_t sum, int32_t count, int32_t lo, int32_t hi)
{
    const int32_t q = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    return aot_sat8(q, lo, hi);
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

/* A kernel's dispatch to its specialised forms in aot_dsp.c, inlined where it is called: with the
 * shape's constants it folds to one call, and the linker keeps only the forms a model calls. */
#define AOT_DISPATCH static inline __attribute__((always_inline))

/* The kernels of aot_dsp.c. Each output is SSAT(aot_rq(acc, rq + r) + off): `off` is the
 * output offset where aot_rq_t could not fold it; an activation range narrower than int8 is
 * aot_clamp_s8 over the outputs afterwards. */

/* A fully connected row: k int8 inputs read in place from x (any alignment; the input offset
 * is folded into the bias at compile time) times n weight rows (natural byte order, rows
 * zero-padded to a multiple of 4, quads of rows interleaved per group of 4 values, then the
 * last n % 4 rows one after another): out[r] for r < n. No scratch. */
void aot_fc_s8(const int8_t *x, const int32_t *w, int k, int n, const int32_t *bias, const aot_rq_t *rq,
               int8_t *out, int32_t off);

/* aot_fc_s8 with the k inputs expanded once into (y, z) pairs of int16 at xs (2 * ceil(k / 4)
 * words, the caller's, e.g. on its stack; aot_dsp.c) and shared by four rows a step, three
 * instructions per 4 MACs. Weights in [-127, 127], natural byte order, w1 and w3 of each group
 * of 4 lowered by one where w0, resp. w2, is negative; aot_fc_s8's row order; the bias plus 127
 * times the row's sum of w1 + w3 (of each group). aot_fc_s8w16: int16 weights (twice the
 * flash, no SXTB16): per row and group the words L = (256 w1 + w0, 256 w3 + w2) (w as given)
 * and E = (w0, w2); quads of rows interleaved per group (8 words), then the last n % 4 rows
 * one after another; the same bias. */
void aot_fc_s8o(const int8_t *x, int32_t *xs, const int32_t *w, int k, int n, const int32_t *bias,
                const aot_rq_t *rq, int8_t *out, int32_t off);
void aot_fc_s8w16(const int8_t *x, int32_t *xs, const int32_t *w, int k, int n, const int32_t *bias,
                  const aot_rq_t *rq, int8_t *out, int32_t off);

/* One output pixel of a convolution read straight from the int8 input (no im2col): kh row
 * segments seg[ky] of 4 * words int8 each (any alignment) times n weight rows (per row the kh
 * segments, natural byte order, zero-padded to whole words; quads of rows interleaved per
 * group of 4 values, then the last n % 4 rows one after another): out[r] for r < n. The
 * input offset is folded into the bias; padding is read as the input zero point. */
void aot_conv_px(const int8_t *const *seg, int kh, int words, const int32_t *w, int n, const int32_t *bias,
                 const aot_rq_t *rq, int8_t *out, int32_t off);

/* aot_conv_px with int16 weights (sign-extended at compile time, no SXTB16 on them) and rows of
 * any length, for npx pixels: pixel i's kh row segments are seg[ky] + i * step, 4 * words +
 * tail (0..3) int8 each (any alignment, nothing read past them), its outputs out[i * n + r].
 * Weights per block of 4 rows, per segment: per input word the block's rows' pairs (w0,w2),
 * (w1,w3), then per tail value the pairs of rows (r0 | r1 << 16), (r2 | r3 << 16); the last n % 4
 * rows one after another: per word the pairs, per tail value one int32 (codegen_c/dsp.py
 * weights_px16). */
void aot_conv_px16(const int8_t *const *seg, int kh, int words, int tail, const int32_t *w, int n,
                   const int32_t *bias, const aot_rq_t *rq, int8_t *out, int32_t off, int npx, int step);

/* aot_conv_px16 for segments of 9 values (2 words and a tail of 1) and of 4 (one word), the
 * weights in blocks of 8 rows (the input word unpacked once per 8 rows), then of 4. */
void aot_conv_px16_9(const int8_t *const *seg, int kh, const int32_t *w, int n, const int32_t *bias,
                     const aot_rq_t *rq, int8_t *out, int32_t off, int npx, int step);
void aot_conv_px16_4(const int8_t *const *seg, int kh, const int32_t *w, int n, const int32_t *bias,
                     const aot_rq_t *rq, int8_t *out, int32_t off, int npx, int step);

/* One output pixel of a convolution as aot_fc_s8o over its window: nseg segments seg[i] of len
 * int8 each (len % 4 == 0, any alignment) expanded into (y, z) pairs at xs (nseg * len / 2
 * words, the caller's, e.g. on its stack), then aot_fc_s8o's rows, weights and bias (K =
 * nseg * len, the segments' values in order). */
void aot_conv_pxo(const int8_t *const *seg, int nseg, int len, int32_t *xs, const int32_t *w, int n,
                  const int32_t *bias, const aot_rq_t *rq, int8_t *out, int32_t off);

/* Two columns interleaved in `cols` (per group of 4 values: 2 words of column 0, then 2 of
 * column 1) times n weight rows (pairs of rows interleaved per group, a last odd row alone):
 * out0[r], out1[r] for r < n. aot_mm_2col16: int16 weights (sign-extended at compile time: no
 * SXTB16, 12 instead of 15 instructions per 16 MACs): per group of 4 values each row's words
 * (w0,w1), (w2,w3), pairs of rows interleaved per group (row a's two words, then row b's), a
 * last odd row alone. Their forms: _g1.._g4 (that many groups, straight-line), _any. */
#define AOT_MM_DECL(NAME)                                                                            \
    void NAME(const int32_t *w, const int32_t *cols, int n, const int32_t *bias, const aot_rq_t *rq,  \
              int8_t *out0, int8_t *out1, int32_t off)
AOT_MM_DECL(aot_mm_2col_g1);
AOT_MM_DECL(aot_mm_2col_g2);
AOT_MM_DECL(aot_mm_2col_g3);
AOT_MM_DECL(aot_mm_2col_g4);
AOT_MM_DECL(aot_mm_2col16_g1);
AOT_MM_DECL(aot_mm_2col16_g2);
AOT_MM_DECL(aot_mm_2col16_g3);
AOT_MM_DECL(aot_mm_2col16_g4);
#undef AOT_MM_DECL
void aot_mm_2col_any(const int32_t *w, const int32_t *cols, int groups, int n, const int32_t *bias,
                     const aot_rq_t *rq, int8_t *out0, int8_t *out1, int32_t off);
void aot_mm_2col16_any(const int32_t *w, const int32_t *cols, int groups, int n, const int32_t *bias,
                       const aot_rq_t *rq, int8_t *out0, int8_t *out1, int32_t off);
/* Called with a constant group count (the generated code): the straight-line form of 1..4
 * groups (aot_dsp.c), else the loop; the linker keeps only the forms a model calls. */
#define AOT_MM_DISPATCH(NAME)                                                                             \
    AOT_DISPATCH void NAME(const int32_t *w, const int32_t *cols, int groups, int n, const int32_t *bias, \
                           const aot_rq_t *rq, int8_t *out0, int8_t *out1, int32_t off)                   \
    {                                                                                                     \
        switch (groups) {                                                                                 \
        case 1: NAME##_g1(w, cols, n, bias, rq, out0, out1, off); break;                                  \
        case 2: NAME##_g2(w, cols, n, bias, rq, out0, out1, off); break;                                  \
        case 3: NAME##_g3(w, cols, n, bias, rq, out0, out1, off); break;                                  \
        case 4: NAME##_g4(w, cols, n, bias, rq, out0, out1, off); break;                                  \
        default: NAME##_any(w, cols, groups, n, bias, rq, out0, out1, off); break;                        \
        }                                                                                                 \
    }
AOT_MM_DISPATCH(aot_mm_2col)
AOT_MM_DISPATCH(aot_mm_2col16)
#undef AOT_MM_DISPATCH

/* One output row of a depthwise convolution (depth multiplier 1, channels a multiple of 4).
 * Input rows are int16 with the input offset added, group-major: for each group of 4 channels,
 * `pitch` words holding 2 words per column (zero columns stand for left/right padding).
 * rows[ky] points at the row of tap row ky (a zero row for top/bottom padding). Weights wq:
 * per group, per tap, the words (w0,w1), (w2,w3). Output pixel ox reads columns
 * ox * sw + kx * dw; its 4 channels of group g go to out + ox * c + 4 * g. aot_dw_row_3x3 is
 * the kernel for kh = kw = 3, dw = 1 (each tap one LDRD pair and four MACs, unrolled). */
void aot_dw_row(const int32_t *const *rows, int kh, int kw, int dw, int pitch, int groups, int ow, int sw,
                const int32_t *wq, const int32_t *bias, const aot_rq_t *rq, int8_t *out, int c, int32_t off);
void aot_dw_row_3x3(const int32_t *const *rows, int pitch, int groups, int ow, int sw, const int32_t *wq,
                    const int32_t *bias, const aot_rq_t *rq, int8_t *out, int c, int32_t off);

/* A depthwise convolution (depth multiplier 1, any window, stride, padding, dilation) read in
 * place (templates/ops/depthwise_conv2d_dsp_direct.c.j2): no scratch, so it cannot run over its
 * own input. Per output pixel, per group of 4 channels (the last group may be short), per tap
 * inside the input: one 32-bit load of the 4 channel bytes, SXTAB16 (plain and ror 8) with the
 * input offset pair offp, SMLABB/SMLATT against the words (w0,w2), (w1,w3) of wq (per group, per
 * tap, prepared at compile time; zero weights for missing channels of a short group): aot_dwd_tap.
 * The template unrolls the windows inside the input; aot_dw_direct_px does one output pixel o
 * (oy, ox) from group g0 on, its taps cut at the padded borders (so padding costs nothing and
 * the input offset needs no folding into the bias). */
typedef struct {
    int16_t h, w, c, kh, kw, sh, sw, dh, dw, pt, pl;
    int32_t offp, off;
} aot_dwd_t;

/* AOT_DWD_TAP(a0, a1, a2, a3, p, xo, w, wo, offp): aot_dwd_tap of the word at byte offset xo of
 * p against the words at byte offset wo of w (xo, wo literals: LDR/LDRD immediates). */
#if AOT_SIMD32
#define AOT_DWD_TAP(a0, a1, a2, a3, P_, XO_, W_, WO_, OFFP_)                                      \
    do {                                                                                          \
        int32_t v_, e_, wa_, wb_;                                                                 \
        __asm__("ldr %[v], [%[p], %[xo]]\n\t"                                                    \
                "ldrd %[wa], %[wb], [%[w], %[wo]]\n\t"                                            \
                "sxtab16 %[e], %[o], %[v]\n\t"                                                    \
                "sxtab16 %[v], %[o], %[v], ror #8\n\t"                                            \
                "smlabb %[a0], %[e], %[wa], %[a0]\n\t"                                            \
                "smlatt %[a2], %[e], %[wa], %[a2]\n\t"                                            \
                "smlabb %[a1], %[v], %[wb], %[a1]\n\t"                                            \
                "smlatt %[a3], %[v], %[wb], %[a3]"                                                \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [v] "=&r"(v_),      \
                  [e] "=&r"(e_), [wa] "=&r"(wa_), [wb] "=&r"(wb_)                                 \
                : [p] "r"(P_), [xo] "i"(XO_), [w] "r"(W_), [wo] "i"(WO_), [o] "r"(OFFP_)          \
                : "memory");                                                                      \
    } while (0)
#else
#define AOT_DWD_TAP(a0, a1, a2, a3, P_, XO_, W_, WO_, OFFP_) \
    aot_dwd_tap(&(a0), &(a1), &(a2), &(a3), aot_ld32((P_) + (XO_)), OFFP_, (W_)[(WO_) / 4], (W_)[(WO_) / 4 + 1])
#endif

static inline void aot_dwd_tap(int32_t *a0, int32_t *a1, int32_t *a2, int32_t *a3, uint32_t v, int32_t offp,
                               int32_t wa, int32_t wb)
{
    const int32_t e = aot_sxtab16(offp, v), o = aot_sxtab16_ror8(offp, v);
#if AOT_SIMD32
    *a0 = __smlabb(e, wa, *a0);
    *a2 = __smlatt(e, wa, *a2);
    *a1 = __smlabb(o, wb, *a1);
    *a3 = __smlatt(o, wb, *a3);
#else
    *a0 += aot_lo16(e) * aot_lo16(wa);
    *a2 += aot_hi16(e) * aot_hi16(wa);
    *a1 += aot_lo16(o) * aot_lo16(wb);
    *a3 += aot_hi16(o) * aot_hi16(wb);
#endif
}

void aot_dw_direct_px(const int8_t *x, int8_t *o, const aot_dwd_t *s, int oy, int ox, int g0, const int32_t *wq,
                      const int32_t *bias, const aot_rq_t *rq);

/* Depthwise 3x3 windows (dilation 1, stride sw = 1 or 2, depth multiplier 1), two output
 * pixels per step with SMLAD (templates/ops/depthwise_conv2d_dsp_pair.c.j2): a ring row holds
 * cb channels' columns as int16 (input offset added; zero for padding), in words of a column
 * pair (even column low); at stride 1 laid out [column pair][channel], at stride 2 [column
 * pair / 2][channel][column pair % 2] (the words of output pixels ox, ox + 1 adjacent).
 * aot_dw_row_pack(c, cb, sw)'s form writes n pixels of x (pixel stride c bytes, channels
 * 0..cb-1) into columns col..col+n-1 of `row`, and zeros into its other columns up to column
 * pair `words` (none if 0: they are still zero). Per channel an aot_dw3_t: per tap row ky the words (w0, w1), (w2,
 * w1), then bias and requantisation; in the record of a block's last channel bit 31 of rq.sh is
 * set (the loops' end; ASR uses the shift register's low byte, the host twin masks it). */
typedef struct {
    int32_t w[6];
    int32_t bias;
    aot_rq_t rq;
} aot_dw3_t;

typedef void (*aot_dw_pack_fn)(const int8_t *x, int n, int c, int cb, int32_t *row, int col, int words, int32_t off);
#define AOT_DW_PACK_DECL(NAME) \
    void NAME(const int8_t *x, int n, int c, int cb, int32_t *row, int col, int words, int32_t off)
AOT_DW_PACK_DECL(aot_dw_row_pack1_g1);
AOT_DW_PACK_DECL(aot_dw_row_pack1_g);
AOT_DW_PACK_DECL(aot_dw_row_pack1_any);
AOT_DW_PACK_DECL(aot_dw_row_pack2_g1);
AOT_DW_PACK_DECL(aot_dw_row_pack2_g);
AOT_DW_PACK_DECL(aot_dw_row_pack2_any);
AOT_DW_PACK_DECL(aot_dw_row_pack_c1);
#undef AOT_DW_PACK_DECL
/* aot_dw_row_pack's form for c, cb and stride sw (aot_dsp.c: one channel, one group of 4, whole
 * groups, any), picked where the generated code names it with constants: the linker keeps only
 * the forms a model calls. */
AOT_DISPATCH aot_dw_pack_fn aot_dw_row_pack(int c, int cb, int sw)
{
    if (c == 1) {
        return aot_dw_row_pack_c1;
    }
    if (sw == 1) {
        return cb == 4 ? aot_dw_row_pack1_g1 : (cb & 3) == 0 ? aot_dw_row_pack1_g : aot_dw_row_pack1_any;
    }
    return cb == 4 ? aot_dw_row_pack2_g1 : (cb & 3) == 0 ? aot_dw_row_pack2_g : aot_dw_row_pack2_any;
}

/* The ring of the two-pixel kernel, for the channels of one block: input height h, width w,
 * channels c (the pixel stride), cb channels packed (the block's), top and left padding pt, pl,
 * stride sh, column pairs of a ring row `words`, words of a ring slot `slot`, input offset off.
 * aot_dw3_rows: the tap rows of output row oy (input rows oy * sh - pt .. + 2): each input
 * row copied into ring slot iy % 3 when first needed (*next: the next row to copy, from 0 per
 * block; x: the block's first channel of the image; pack: aot_dw_row_pack's form), a row of top
 * or bottom padding zeros in its slot (whose row the window does not need); rows[ky] = the slot
 * of tap row ky. */
typedef struct {
    int16_t h, w, c, cb, pt, pl, sh, words;
    int32_t slot, off;
} aot_dw3_ring_t;

void aot_dw3_rows(const aot_dw3_ring_t *s, aot_dw_pack_fn pack, const int8_t *x, int32_t *ring, int oy, int *next,
                  const int32_t **rows);

/* AOT_DW3_ACC(SW, cbm, p0, p1, p2, k, a0, a1, m, sh): one channel (record k) of output pixels ox,
 * ox + 1: a0, a1 from the bias over the 3 tap rows whose words for this channel are at p0, p1,
 * p2 (each advanced to the next channel's: by SW words), and m, sh = its requantisation's
 * multiplier and shift (the epilogue, aot_rq_hi, reads its constant from the record). cbm (a
 * register): the byte offset from the advanced pointer of the other word a row needs, x23 =
 * p[cb] at stride 1 (4 * cb - 4), x45 = p[2 * cb] at stride 2 (8 * cb - 8). Per tap row,
 * stride 1: a0 += x0 w0 + x1 w1 (SMLAD) + x2 w2 (SMLABB), a1 += x1 w0 (SMLATB) + x2 w1 + x3 w2
 * (SMLADX); stride 2 (x01, x23 adjacent): a0 as before, a1 += x2 w0 + x3 w1 (SMLAD) + x4 w2
 * (SMLABB). */
#if AOT_SIMD32
#define AOT_DW3_ROW_1(KO, P, A1)                                \
    "ldrd %[wa], %[wb], [%[k], #" KO "]\n\t"                    \
    "ldr %[x0], [%[" P "]], #4\n\t"                             \
    "smlatb %[a1], %[x0], %[wa], " A1 "\n\t"                    \
    "smlad %[a0], %[x0], %[wa], %[a0]\n\t"                      \
    "ldr %[x0], [%[" P "], %[cbm]]\n\t"                         \
    "smlabb %[a0], %[x0], %[wb], %[a0]\n\t"                     \
    "smladx %[a1], %[x0], %[wb], %[a1]\n\t"
#define AOT_DW3_ROW_2(KO, P, A1)                                \
    "ldrd %[wa], %[wb], [%[k], #" KO "]\n\t"                    \
    "ldrd %[x0], %[x1], [%[" P "]], #8\n\t"                     \
    "smlad %[a1], %[x1], %[wa], " A1 "\n\t"                     \
    "smlad %[a0], %[x0], %[wa], %[a0]\n\t"                      \
    "smlabb %[a0], %[x1], %[wb], %[a0]\n\t"                     \
    "ldr %[x0], [%[" P "], %[cbm]]\n\t"                         \
    "smlabb %[a1], %[x0], %[wb], %[a1]\n\t"
/* AOT_DW3_ACC1(SW, cbm, p0, p1, p2, k, a0, m, sh): the first pixel only (the last of an odd row):
 * per tap row x01 (SMLAD) and x2 (SMLABB), at stride 1 x23 = p[cb] (cbm as above), at stride
 * 2 the word after x01. */
#define AOT_DW3_ROW1_1(KO, P)                                   \
    "ldrd %[wa], %[wb], [%[k], #" KO "]\n\t"                    \
    "ldr %[x0], [%[" P "]], #4\n\t"                             \
    "smlad %[a0], %[x0], %[wa], %[a0]\n\t"                      \
    "ldr %[x0], [%[" P "], %[cbm]]\n\t"                         \
    "smlabb %[a0], %[x0], %[wb], %[a0]\n\t"
#define AOT_DW3_ROW1_2(KO, P)                                   \
    "ldrd %[wa], %[wb], [%[k], #" KO "]\n\t"                    \
    "ldrd %[x0], %[x1], [%[" P "]], #8\n\t"                     \
    "smlad %[a0], %[x0], %[wa], %[a0]\n\t"                      \
    "smlabb %[a0], %[x1], %[wb], %[a0]\n\t"
/* The temporaries of a tap row: x0 (stride 1: the word at cbm reuses it), x1 at stride 2. */
#define AOT_DW3_TMP_1 int32_t x0_
#define AOT_DW3_TMP_2 int32_t x0_, x1_
#define AOT_DW3_X1_1
#define AOT_DW3_X1_2 , [x1] "=&r"(x1_)
#define AOT_DW3_ACC1(SW, CBM, P0, P1, P2, K, A0, M, SH)                                                       \
    do {                                                                                                      \
        AOT_DW3_TMP_##SW;                                                                                     \
        __asm__("ldr %[a0], [%[k], %[bo]]\n\t" AOT_DW3_ROW1_##SW("0", "p0") AOT_DW3_ROW1_##SW("8", "p1")      \
                    AOT_DW3_ROW1_##SW("16", "p2")                                                             \
                "ldrd %[wa], %[wb], [%[k], %[qo]]"                                                            \
                : [a0] "=&r"(A0), [x0] "=&r"(x0_) AOT_DW3_X1_##SW, [wa] "=&r"(M), [wb] "=&r"(SH),             \
                  [p0] "+r"(P0), [p1] "+r"(P1), [p2] "+r"(P2)                                                 \
                : [k] "r"(K), [cbm] "r"(CBM), [bo] "i"(__builtin_offsetof(aot_dw3_t, bias)),                  \
                  [qo] "i"(__builtin_offsetof(aot_dw3_t, rq))                                                 \
                : "memory");                                                                                  \
    } while (0)
#define AOT_DW3_ACC(SW, CBM, P0, P1, P2, K, A0, A1, M, SH)                                                    \
    do {                                                                                                      \
        AOT_DW3_TMP_##SW;                                                                                     \
        __asm__("ldr %[a0], [%[k], %[bo]]\n\t" AOT_DW3_ROW_##SW("0", "p0", "%[a0]")                           \
                    AOT_DW3_ROW_##SW("8", "p1", "%[a1]") AOT_DW3_ROW_##SW("16", "p2", "%[a1]")                \
                "ldrd %[wa], %[wb], [%[k], %[qo]]"                                                            \
                : [a0] "=&r"(A0), [a1] "=&r"(A1), [x0] "=&r"(x0_) AOT_DW3_X1_##SW, [wa] "=&r"(M),             \
                  [wb] "=&r"(SH), [p0] "+r"(P0), [p1] "+r"(P1), [p2] "+r"(P2)                                 \
                : [k] "r"(K), [cbm] "r"(CBM), [bo] "i"(__builtin_offsetof(aot_dw3_t, bias)),                  \
                  [qo] "i"(__builtin_offsetof(aot_dw3_t, rq))                                                 \
                : "memory");                                                                                  \
    } while (0)
/* AOT_DW3_OUT(acc, m, sh, k): aot_rq's value of acc with the multiplier m and shift sh of record
 * k, its 64-bit constant read from the record (an LDRD immediate; acc is clobbered). */
#define AOT_DW3_OUT(ACC, M, SH, K)                                                                 \
    __extension__({                                                                                \
        uint32_t lo_;                                                                              \
        int32_t hi_;                                                                               \
        __asm__("ldrd %[lo], %[hi], [%[k], %[ko]]\n\t"                                            \
                "smlal %[lo], %[hi], %[acc], %[m]\n\t"                                            \
                "lsr %[acc], %[acc], #31\n\t"                                                     \
                "smlal %[lo], %[hi], %[acc], %[c]\n\t"                                            \
                "asr %[hi], %[hi], %[sh]"                                                          \
                : [lo] "=&r"(lo_), [hi] "=&r"(hi_), [acc] "+r"(ACC)                                \
                : [k] "r"(K), [ko] "i"(__builtin_offsetof(aot_dw3_t, rq) + 8), [m] "r"(M),         \
                  [sh] "r"(SH), [c] "r"(INT32_MIN)                                                 \
                : "memory");                                                                       \
        hi_;                                                                                       \
    })
#else
static inline int32_t aot_dw3_mac(int32_t acc, int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(a * b));
}
static inline void aot_dw3_acc(int sw, int cb, const int32_t **p0, const int32_t **p1, const int32_t **p2,
                               const aot_dw3_t *k, int32_t *acc0, int32_t *acc1, int32_t *m, int32_t *sh)
{
    const int one = sw < 0; /* the first pixel only */
    int32_t a0 = k->bias, a1 = a0;
    const int32_t *const p[3] = {*p0, *p1, *p2};
    sw = one ? -sw : sw;
    for (int ky = 0; ky < 3; ++ky) {
        const int32_t wa = k->w[2 * ky], wb = k->w[2 * ky + 1];
        const int32_t x01 = p[ky][0], x23 = p[ky][sw == 1 ? cb : 1];
        a0 = aot_dw3_mac(aot_smlad(x01, wa, a0), aot_lo16(x23), aot_lo16(wb));
        if (one) {
            continue;
        }
        if (sw == 1) {
            a1 = aot_smlad(x23, aot_pack16(aot_hi16(wb), aot_lo16(wb)), aot_dw3_mac(a1, aot_hi16(x01), aot_lo16(wa)));
        } else {
            a1 = aot_dw3_mac(aot_smlad(x23, wa, a1), aot_lo16(p[ky][2 * cb]), aot_lo16(wb));
        }
    }
    *p0 += sw;
    *p1 += sw;
    *p2 += sw;
    *m = k->rq.m;
    *sh = k->rq.sh;
    *acc0 = a0;
    *acc1 = a1;
}
#define AOT_DW3_OUT(ACC, M, SH, K) (aot_rq_hi_c(ACC, M, &(K)->rq) >> ((SH) & 31))
#define AOT_DW3_ACC(SW, CBM, P0, P1, P2, K, A0, A1, M, SH) \
    aot_dw3_acc(SW, ((CBM) + 4 * (SW)) / (4 * (SW)), &(P0), &(P1), &(P2), K, &(A0), &(A1), &(M), &(SH))
#define AOT_DW3_ACC1(SW, CBM, P0, P1, P2, K, A0, M, SH)                                                         \
    do {                                                                                                        \
        int32_t a1_;                                                                                            \
        aot_dw3_acc(-(SW), ((CBM) + 4 * (SW)) / (4 * (SW)), &(P0), &(P1), &(P2), K, &(A0), &a1_, &(M), &(SH)); \
    } while (0)
#endif

/* One output row of the two-pixel kernel for one block of channels (aot_dsp.c), its shape in a
 * record built at compile time: `pairs` pixel pairs, then the last pixel if `odd`; `nc` channels
 * (records k..k + nc - 1, outputs from o on); output pixel stride `c` bytes; cbm as for
 * AOT_DW3_ACC; out_add the offset added after the requantisation (forms ..._add; 0: folded).
 * rows: aot_dw3_rows's tap rows. aot_dw3_out_row picks the form for stride sw (constants where
 * the generated code calls it: the linker keeps only the forms a model uses). */
typedef struct {
    int16_t pairs, odd, nc, c;
    int32_t cbm, out_add;
} aot_dw3_run_t;

typedef void (*aot_dw3_row_fn)(const aot_dw3_run_t *r, const int32_t *const *rows, const aot_dw3_t *k, int8_t *o);
void aot_dw3_out1(const aot_dw3_run_t *r, const int32_t *const *rows, const aot_dw3_t *k, int8_t *o);
void aot_dw3_out2(const aot_dw3_run_t *r, const int32_t *const *rows, const aot_dw3_t *k, int8_t *o);
void aot_dw3_out1_add(const aot_dw3_run_t *r, const int32_t *const *rows, const aot_dw3_t *k, int8_t *o);
void aot_dw3_out2_add(const aot_dw3_run_t *r, const int32_t *const *rows, const aot_dw3_t *k, int8_t *o);
AOT_DISPATCH aot_dw3_row_fn aot_dw3_out_row(int sw, int add)
{
    if (sw == 1) {
        return add ? aot_dw3_out1_add : aot_dw3_out1;
    }
    return add ? aot_dw3_out2_add : aot_dw3_out2;
}

/* int16x8 (16x8 quantisation). aot_smlald: acc + a.lo * b.lo + a.hi * b.hi, exact in int64. */
#if AOT_SIMD32
static inline int64_t aot_smlald(int32_t a, int32_t b, int64_t acc)
{
    __asm__("smlald %Q0, %R0, %1, %2" : "+r"(acc) : "r"(a), "r"(b));
    return acc;
}
#else
static inline int64_t aot_smlald(int32_t a, int32_t b, int64_t acc)
{
    return acc + (int64_t)aot_lo16(a) * aot_lo16(b) + (int64_t)aot_hi16(a) * aot_hi16(b);
}
#endif

/* k int16 values at x (read in place, any 2-byte alignment, k values only) times two weight
 * rows (k rounded up to whole words of int8, each group of 4 stored w0 w2 w1 w3, the two rows
 * interleaved per group: aot_mm_2col's layout), added exactly to acc[0], acc[1] (SXTB16 on the
 * weights, SMLALD); aot_dot_s16: one row, its words one after another. */
void aot_dot2_s16(const int16_t *x, int k, const int32_t *w, int64_t acc[2]);
int64_t aot_dot_s16(const int16_t *x, int k, const int32_t *w, int64_t acc);

/* Two columns xa, xb (k int16 values each, read like aot_dot2_s16's x) times two weight rows
 * (aot_dot2_s16's layout): acc[0] += row 0 . xa, acc[1] += row 0 . xb, acc[2] += row 1 . xa,
 * acc[3] += row 1 . xb, exactly: SMLAD into int32 partial sums over at most 127 groups of 4
 * values (|x * w| <= 2^22: they cannot overflow), added to the int64 sums after each run. */
void aot_dot2x2_s16(const int16_t *xa, const int16_t *xb, int k, const int32_t *w, int64_t acc[4]);

/* The k int16 values at x times four weight rows (interleaved per group of 4 values, each group
 * stored w0 w2 w1 w3): acc[r] += row r . x, exactly, in int32 runs as aot_dot2x2_s16. */
void aot_dot4_s16(const int16_t *x, int k, const int32_t *w, int64_t acc[4]);

#endif
