/* The large DSP-extension kernels declared in aot_dsp.h, compiled once per firmware (model.c
 * only calls them). The inner steps are asm on cores with SIMD32 so that the compiler keeps
 * one accumulator chain per register; elsewhere (the host, Cortex-M0/M3) their plain C twins
 * run the same kernels bit for bit. The linker keeps only the kernels a model calls. */
#include "aot_dsp.h"

#define AOT_ALWAYS_INLINE static inline __attribute__((always_inline))

#if AOT_SIMD32
/* Four groups of taps: a0 += xa.lo * wa.lo, a1 += xa.hi * wa.hi, a2, a3 likewise with xb, wb. */
#define AOT_MAC4_DW(a0, a1, a2, a3, xa, xb, wa, wb) \
    __asm__("smlabb %0, %4, %6, %0\n\tsmlatt %1, %4, %6, %1\n\tsmlabb %2, %5, %7, %2\n\tsmlatt %3, %5, %7, %3" \
            : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3) : "r"(xa), "r"(xb), "r"(wa), "r"(wb))
/* AOT_MAC4_DW on the words at byte offsets xo of p (xa, xb) and wo of w (wa, wb). */
#define AOT_DW_TAP(a0, a1, a2, a3, P_, XO_, W_, WO_)                                              \
    do {                                                                                          \
        int32_t xa_, xb_, wa_, wb_;                                                               \
        __asm__("ldrd %[xa], %[xb], [%[p], %[xo]]\n\t"                                            \
                "ldrd %[wa], %[wb], [%[w], %[wo]]\n\t"                                            \
                "smlabb %[a0], %[xa], %[wa], %[a0]\n\t"                                           \
                "smlatt %[a1], %[xa], %[wa], %[a1]\n\t"                                           \
                "smlabb %[a2], %[xb], %[wb], %[a2]\n\t"                                           \
                "smlatt %[a3], %[xb], %[wb], %[a3]"                                               \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xa] "=&r"(xa_),    \
                  [xb] "=&r"(xb_), [wa] "=&r"(wa_), [wb] "=&r"(wb_)                               \
                : [p] "r"(P_), [xo] "i"(XO_), [w] "r"(W_), [wo] "i"(WO_)                          \
                : "memory");                                                                      \
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
/* Four weight words (rows a..d of a quad, 4 int8 each in natural order) from w against one
 * word of 4 int8 inputs read straight from x (no offset: it is folded into the bias):
 * SXTB16 pairs bytes 0,2 and (ror 8) bytes 1,3 of both. 16 MACs. x may be unaligned (LDR). */
#define AOT_FC_4X4_STEP(W_, X_, a0, a1, a2, a3)                                      \
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
                  [w] "+r"(W_), [x] "+r"(X_), [va] "=&r"(va_), [vb] "=&r"(vb_),      \
                  [xa] "=&r"(xa_), [xb] "=&r"(xb_), [t] "=&r"(t_)                    \
                :                                                                    \
                : "memory");                                                         \
    } while (0)
#else
static inline int32_t aot_smlabb(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(aot_lo16(a) * aot_lo16(b)));
}
static inline int32_t aot_smlatt(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(aot_hi16(a) * aot_hi16(b)));
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
#define AOT_MM_2X2_STEP(w, p, a00, a01, a10, a11)                                             \
    do {                                                                                       \
        const uint32_t va_ = (uint32_t)(w)[0], vb_ = (uint32_t)(w)[1];                         \
        const int32_t wa0_ = aot_sxtb16(va_), wa1_ = aot_sxtb16_ror8(va_);                     \
        const int32_t wb0_ = aot_sxtb16(vb_), wb1_ = aot_sxtb16_ror8(vb_);                     \
        a00 = aot_smlad(wa1_, (p)[1], aot_smlad(wa0_, (p)[0], a00));                           \
        a01 = aot_smlad(wa1_, (p)[3], aot_smlad(wa0_, (p)[2], a01));                           \
        a10 = aot_smlad(wb1_, (p)[1], aot_smlad(wb0_, (p)[0], a10));                           \
        a11 = aot_smlad(wb1_, (p)[3], aot_smlad(wb0_, (p)[2], a11));                           \
        (w) += 2;                                                                              \
        (p) += 4;                                                                              \
    } while (0)
#define AOT_FC_4X4_STEP(w, x, a0, a1, a2, a3)                                                 \
    do {                                                                                       \
        const uint32_t v_ = aot_ld32(x);                                                       \
        const int32_t xa_ = aot_sxtb16(v_), xb_ = aot_sxtb16_ror8(v_);                         \
        a0 = aot_smlad(aot_sxtb16_ror8((uint32_t)(w)[0]), xb_, aot_smlad(aot_sxtb16((uint32_t)(w)[0]), xa_, a0)); \
        a1 = aot_smlad(aot_sxtb16_ror8((uint32_t)(w)[1]), xb_, aot_smlad(aot_sxtb16((uint32_t)(w)[1]), xa_, a1)); \
        a2 = aot_smlad(aot_sxtb16_ror8((uint32_t)(w)[2]), xb_, aot_smlad(aot_sxtb16((uint32_t)(w)[2]), xa_, a2)); \
        a3 = aot_smlad(aot_sxtb16_ror8((uint32_t)(w)[3]), xb_, aot_smlad(aot_sxtb16((uint32_t)(w)[3]), xa_, a3)); \
        (w) += 4;                                                                              \
        (x) += 4;                                                                              \
    } while (0)
#endif

/* One output: requantised, plus `off` (the output offset where aot_rq_t could not fold it,
 * else 0), saturated to int8 (SSAT); a narrower activation range is aot_clamp_s8's, after. */
AOT_ALWAYS_INLINE int8_t aot_out(int32_t acc, const aot_rq_t *q, int32_t off)
{
    return aot_ssat8(aot_rq(acc, q) + off);
}

/* aot_out of four accumulators into out[0..3] with the requantisation entries q[0..3]. */
AOT_ALWAYS_INLINE void aot_out4(int8_t *out, int32_t a0, int32_t a1, int32_t a2, int32_t a3, const aot_rq_t *q,
                                int32_t off)
{
    out[0] = aot_out(a0, q, off);
    out[1] = aot_out(a1, q + 1, off);
    out[2] = aot_out(a2, q + 2, off);
    out[3] = aot_out(a3, q + 3, off);
}

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
        const uint32_t u = (uint32_t)*(*w)++;
        acc = aot_smlad(aot_sxtb16_ror8(u), aot_sxtb16_ror8(v), aot_smlad(aot_sxtb16(u), aot_sxtb16(v), acc));
    }
    return acc;
}

void aot_fc_s8(const int8_t *x, const int32_t *w, int k, int n, const int32_t *bias, const aot_rq_t *rq,
                             int8_t *out, int32_t off)
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
        aot_out4(out + r, a0, a1, a2, a3, rq + r, off);
    }
    for (; r < n; ++r) {
        const int32_t a0 = aot_dot1_s8(x, &w, full, bias[r]);
        out[r] = aot_out(rem ? aot_dot1_s8(xl, &w, 1, a0) : a0, rq + r, off);
    }
}

/* aot_fc_s8o / aot_fc_s8w16 (aot_dsp.h): per group of 4 inputs x0..x3 the pair of words
 * y = (x1 - 127, x3 - 127), z = (256 x0 - x1 + 127, 256 x2 - x3 + 127); a weight word w0..w3
 * with w1, w3 lowered by one where w0, w2 < 0 reads, as int16 lanes, L = (256 w1 + w0,
 * 256 w3 + w2), and SXTB16 gives E = (w0, w2): SMLAD(L, y) + SMLAD(E, z) = 256 (w0 x0 + w1 x1 +
 * w2 x2 + w3 x3) - 32512 (w1 + w3). Three instructions per 4 MACs (int8 weights), two with E
 * stored (int16 weights). */
#if AOT_SIMD32
/* One group of four int8 weight rows (LDM, pinned ascending registers) against (y, z) at x:
 * 16 MACs in 14 instructions (asm text of aot_fcx_run). */
#define AOT_FCO_STEP                                          \
    "ldm %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"             \
    "ldrd %[y], %[z], [%[x]], #8\n\t"                         \
    "smlad %[a0], %[w0], %[y], %[a0]\n\t"                     \
    "sxtb16 %[w0], %[w0]\n\t"                                 \
    "smlad %[a0], %[w0], %[z], %[a0]\n\t"                     \
    "smlad %[a1], %[w1], %[y], %[a1]\n\t"                     \
    "sxtb16 %[w1], %[w1]\n\t"                                 \
    "smlad %[a1], %[w1], %[z], %[a1]\n\t"                     \
    "smlad %[a2], %[w2], %[y], %[a2]\n\t"                     \
    "sxtb16 %[w2], %[w2]\n\t"                                 \
    "smlad %[a2], %[w2], %[z], %[a2]\n\t"                     \
    "smlad %[a3], %[w3], %[y], %[a3]\n\t"                     \
    "sxtb16 %[w3], %[w3]\n\t"                                 \
    "smlad %[a3], %[w3], %[z], %[a3]\n\t"
/* The same with E stored beside L (per row L, E): two LDMs, 16 MACs in 11 instructions. */
#define AOT_FCW_STEP                                          \
    "ldm %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"             \
    "ldrd %[y], %[z], [%[x]], #8\n\t"                         \
    "smlad %[a0], %[w0], %[y], %[a0]\n\t"                     \
    "smlad %[a0], %[w1], %[z], %[a0]\n\t"                     \
    "smlad %[a1], %[w2], %[y], %[a1]\n\t"                     \
    "smlad %[a1], %[w3], %[z], %[a1]\n\t"                     \
    "ldm %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"             \
    "smlad %[a2], %[w0], %[y], %[a2]\n\t"                     \
    "smlad %[a2], %[w1], %[z], %[a2]\n\t"                     \
    "smlad %[a3], %[w2], %[y], %[a3]\n\t"                     \
    "smlad %[a3], %[w3], %[z], %[a3]\n\t"
#define AOT_X4S(s) s s s s
/* m steps (m >= 1): first m % 16 one at a time, then 16 per loop iteration. */
#define AOT_FCX_LOOP(STEP, W_, X_, M_, a0, a1, a2, a3)                                             \
    do {                                                                                           \
        register int32_t w0_ __asm__("r8"), w1_ __asm__("r9"), w2_ __asm__("r10"), w3_ __asm__("r11"); \
        int32_t y_, z_;                                                                            \
        __asm__("tst %[m], #15\n\t"                                                                \
                "beq 2f\n"                                                                         \
                "1:\n\t" STEP                                                                      \
                "sub %[m], %[m], #1\n\t"                                                           \
                "tst %[m], #15\n\t"                                                                \
                "bne 1b\n"                                                                         \
                "2:\n\t"                                                                           \
                "cmp %[m], #0\n\t"                                                                 \
                "beq 4f\n"                                                                         \
                "3:\n\t" AOT_X4S(AOT_X4S(STEP))                                                    \
                "subs %[m], %[m], #16\n\t"                                                         \
                "bne 3b\n"                                                                         \
                "4:"                                                                               \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(W_),        \
                  [x] "+r"(X_), [m] "+r"(M_), [w0] "=&r"(w0_), [w1] "=&r"(w1_), [w2] "=&r"(w2_),   \
                  [w3] "=&r"(w3_), [y] "=&r"(y_), [z] "=&r"(z_)                                    \
                :                                                                                  \
                : "cc", "memory");                                                                 \
    } while (0)
#define AOT_FCX_STEPS(wide, W_, X_, M_, a0, a1, a2, a3)              \
    do {                                                             \
        if (wide) {                                                  \
            AOT_FCX_LOOP(AOT_FCW_STEP, W_, X_, M_, a0, a1, a2, a3);  \
        } else {                                                     \
            AOT_FCX_LOOP(AOT_FCO_STEP, W_, X_, M_, a0, a1, a2, a3);  \
        }                                                            \
    } while (0)
#else
/* Row r of the group: its word's SMLADs with (y, z) added to a. */
#define AOT_FCX_ROW(W_, X_, r, wide, a)                                                            \
    a = aot_smlad((wide) ? (W_)[2 * (r) + 1] : aot_sxtb16((uint32_t)(W_)[r]), (X_)[1],            \
                  aot_smlad((W_)[(wide) ? 2 * (r) : (r)], (X_)[0], a))
/* m steps of four rows. */
#define AOT_FCX_STEPS(wide, W_, X_, M_, a0, a1, a2, a3) \
    do {                                                 \
        for (; (M_) > 0; --(M_)) {                       \
            AOT_FCX_ROW(W_, X_, 0, wide, a0);            \
            AOT_FCX_ROW(W_, X_, 1, wide, a1);            \
            AOT_FCX_ROW(W_, X_, 2, wide, a2);            \
            AOT_FCX_ROW(W_, X_, 3, wide, a3);            \
            (W_) += (wide) ? 8 : 4;                      \
            (X_) += 2;                                   \
        }                                                \
    } while (0)
#endif

/* Groups of 4 values per int32 run: 256 values, |w x| <= 127 * 128 and |w1 + w3| <= 127 * 128
 * per 4 values, so |256 * sum - 32512 * (w1 + w3 sum)| < 2^31: each run's sum, shifted right by
 * 8, is its dot product minus 127 times its w1 + w3 (added back in the bias at compile time). */
#define AOT_FC_RUN 64

/* The (y, z) pair of the word v of 4 int8 inputs (above) into xs[0], xs[1]. */
static inline void aot_fc_yz(uint32_t v, int32_t *xs)
{
#if AOT_SIMD32
    const int32_t y = __ssub16(aot_sxtb16_ror8(v), 0x007F007F);
    xs[0] = y;
    xs[1] = __ssub16((int32_t)((v << 8) & 0xFF00FF00u), y);
#else
    const int32_t x0 = (int8_t)v, x1 = (int8_t)(v >> 8), x2 = (int8_t)(v >> 16), x3 = (int8_t)(v >> 24);
    xs[0] = aot_pack16(x1 - 127, x3 - 127);
    xs[1] = aot_pack16(256 * x0 - x1 + 127, 256 * x2 - x3 + 127);
#endif
}

/* k int8 values at x (any alignment) as ceil(k / 4) (y, z) pairs at xs; the last group's
 * missing values are zeros (their weights are 0). */
static void aot_fc_expand(const int8_t *x, int k, int32_t *xs)
{
    for (int j = k >> 2; j > 0; --j, x += 4, xs += 2) {
        aot_fc_yz(aot_ld32(x), xs);
    }
    if (k & 3) {
        aot_fc_yz(aot_tail32(x, k & 3), xs);
    }
}

/* One run of m >= 1 groups of four rows from xs: s[0..3] = the sums shifted right by 8; *wp
 * advances. E stored (`wide`, a constant once inlined) or computed. */
AOT_ALWAYS_INLINE void aot_fcx_run(const int32_t **wp, const int32_t *p, int m, uint32_t s[4], int wide)
{
    const int32_t *w = *wp;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    AOT_FCX_STEPS(wide, w, p, m, a0, a1, a2, a3);
    s[0] = (uint32_t)(a0 >> 8);
    s[1] = (uint32_t)(a1 >> 8);
    s[2] = (uint32_t)(a2 >> 8);
    s[3] = (uint32_t)(a3 >> 8);
    *wp = w;
}

/* The rows of aot_fc_s8o or aot_fc_s8w16 (`wide`): per run of AOT_FC_RUN groups the sums,
 * shifted right by 8, add to the bias. The first run of a quad is apart (the only one for
 * k <= 256). */
AOT_ALWAYS_INLINE void aot_fcx_rows(const int32_t *xs, const int32_t *w, int groups, int n, const int32_t *bias,
                                    const aot_rq_t *rq, int8_t *out, int32_t off, int wide)
{
    const int first = groups < AOT_FC_RUN ? groups : AOT_FC_RUN;
    int r = 0;
    for (; r + 4 <= n; r += 4) {
        uint32_t t[4], s[4];
        aot_fcx_run(&w, xs, first, t, wide);
        for (int g = AOT_FC_RUN; g < groups; g += AOT_FC_RUN) {
            aot_fcx_run(&w, xs + 2 * g, groups - g < AOT_FC_RUN ? groups - g : AOT_FC_RUN, s, wide);
            t[0] += s[0];
            t[1] += s[1];
            t[2] += s[2];
            t[3] += s[3];
        }
        t[0] += (uint32_t)bias[r];
        t[1] += (uint32_t)bias[r + 1];
        t[2] += (uint32_t)bias[r + 2];
        t[3] += (uint32_t)bias[r + 3];
        aot_out4(out + r, (int32_t)t[0], (int32_t)t[1], (int32_t)t[2], (int32_t)t[3], rq + r, off);
    }
    for (; r < n; ++r) {
        uint32_t t = (uint32_t)bias[r];
        for (int g = 0; g < groups; g += AOT_FC_RUN) {
            const int m = groups - g < AOT_FC_RUN ? groups - g : AOT_FC_RUN;
            int32_t a = 0;
            for (const int32_t *p = xs + 2 * g, *end = p + 2 * m; p != end; p += 2, w += wide ? 2 : 1) {
                a = aot_smlad(wide ? w[1] : aot_sxtb16((uint32_t)w[0]), p[1], aot_smlad(w[0], p[0], a));
            }
            t += (uint32_t)(a >> 8);
        }
        out[r] = aot_out((int32_t)t, rq + r, off);
    }
}

void aot_fc_s8o(const int8_t *x, int32_t *xs, const int32_t *w, int k, int n, const int32_t *bias,
                const aot_rq_t *rq, int8_t *out, int32_t off)
{
    aot_fc_expand(x, k, xs);
    aot_fcx_rows(xs, w, (k + 3) >> 2, n, bias, rq, out, off, 0);
}

void aot_fc_s8w16(const int8_t *x, int32_t *xs, const int32_t *w, int k, int n, const int32_t *bias,
                  const aot_rq_t *rq, int8_t *out, int32_t off)
{
    aot_fc_expand(x, k, xs);
    aot_fcx_rows(xs, w, (k + 3) >> 2, n, bias, rq, out, off, 1);
}

void aot_conv_px(const int8_t *const *seg, int kh, int words, const int32_t *w, int n,
                               const int32_t *bias, const aot_rq_t *rq, int8_t *out, int32_t off)
{
    int r = 0;
    for (; r + 4 <= n; r += 4) {
        int32_t a0 = bias[r], a1 = bias[r + 1], a2 = bias[r + 2], a3 = bias[r + 3];
        if (words == 1) { /* one word per row segment (e.g. KW * IC = 4): no inner loop */
            for (const int8_t *const *sp = seg, *const *end = seg + kh; sp != end; ++sp) {
                const int8_t *p = *sp;
                AOT_FC_4X4_STEP(w, p, a0, a1, a2, a3);
            }
        } else if (words == 2) { /* two (e.g. KW * IC = 8) */
            for (const int8_t *const *sp = seg, *const *end = seg + kh; sp != end; ++sp) {
                const int8_t *p = *sp;
                AOT_FC_4X4_STEP(w, p, a0, a1, a2, a3);
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
        aot_out4(out + r, a0, a1, a2, a3, rq + r, off);
    }
    for (; r < n; ++r) {
        int32_t a0 = bias[r];
        for (int ky = 0; ky < kh; ++ky) {
            a0 = aot_dot1_s8(seg[ky], &w, words, a0);
        }
        out[r] = aot_out(a0, rq + r, off);
    }
}

void aot_mm_2col(const int32_t *w, const int32_t *cols, int groups, int n, const int32_t *bias,
                               const aot_rq_t *rq, int8_t *out0, int8_t *out1, int32_t off)
{
    int r = 0;
    for (; r + 2 <= n; r += 2) {
        const int32_t *p = cols;
        int32_t a00 = bias[r], a01 = a00, a10 = bias[r + 1], a11 = a10;
        for (int k = groups; k > 0; --k) {
            AOT_MM_2X2_STEP(w, p, a00, a01, a10, a11);
        }
        out0[r] = aot_out(a00, rq + r, off);
        out1[r] = aot_out(a01, rq + r, off);
        out0[r + 1] = aot_out(a10, rq + r + 1, off);
        out1[r + 1] = aot_out(a11, rq + r + 1, off);
    }
    if (r < n) {
        const int32_t *p = cols;
        int32_t a00 = bias[r], a01 = a00;
        for (int k = groups; k > 0; --k) {
            const uint32_t v = (uint32_t)*w++;
            const int32_t w0 = aot_sxtb16(v), w1 = aot_sxtb16_ror8(v);
            a00 = aot_smlad(w1, p[1], aot_smlad(w0, p[0], a00));
            a01 = aot_smlad(w1, p[3], aot_smlad(w0, p[2], a01));
            p += 4;
        }
        out0[r] = aot_out(a00, rq + r, off);
        out1[r] = aot_out(a01, rq + r, off);
    }
}

void aot_dw_row_3x3(const int32_t *const *rows, int pitch, int groups, int ow, int sw,
                                  const int32_t *wq, const int32_t *bias, const aot_rq_t *rq, int8_t *out, int c,
                                  int32_t off)
{
    const int step = 2 * sw;
    for (int g = 0; g < groups; ++g, wq += 18, bias += 4, rq += 4, out += 4) {
        const int32_t *p0 = rows[0] + g * pitch, *p1 = rows[1] + g * pitch, *p2 = rows[2] + g * pitch;
        int8_t *o = out;
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
            aot_out4(o, a0, a1, a2, a3, rq, off);
        }
    }
}

void aot_dw_row(const int32_t *const *rows, int kh, int kw, int dw, int pitch, int groups, int ow,
                              int sw, const int32_t *wq, const int32_t *bias, const aot_rq_t *rq, int8_t *out, int c,
                              int32_t off)
{
    const int step = 2 * sw;
    for (int g = 0; g < groups; ++g, wq += 2 * kh * kw, bias += 4, rq += 4, out += 4) {
        int8_t *o = out;
        for (int ox = 0; ox < ow; ++ox, o += c) {
            int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
            const int32_t *w = wq;
            if (kw == 1) { /* a kernel of one column (e.g. along time): no inner loop */
                const int at = g * pitch + ox * step;
                for (const int32_t *const *row = rows, *const *end = rows + kh; row != end; ++row, w += 2) {
                    AOT_DW_TAP(a0, a1, a2, a3, *row + at, 0, w, 0);
                }
            } else {
                for (int ky = 0; ky < kh; ++ky) {
                    const int32_t *p = rows[ky] + g * pitch + ox * step;
                    for (int kx = 0; kx < kw; ++kx, p += 2 * dw, w += 2) {
                        AOT_MAC4_DW(a0, a1, a2, a3, p[0], p[1], w[0], w[1]);
                    }
                }
            }
            aot_out4(o, a0, a1, a2, a3, rq, off);
        }
    }
}

/* The int16 pairs (x0, x1), (x2, x3) of the last rem (1..3) values at x, zeros beyond. */
static inline void aot_tail_s16(const int16_t *x, int rem, int32_t *x01, int32_t *x23)
{
    const uint32_t v1 = rem > 1 ? (uint16_t)x[1] : 0u;
    *x01 = (int32_t)((uint32_t)(uint16_t)x[0] | (v1 << 16));
    *x23 = rem > 2 ? (int32_t)(uint32_t)(uint16_t)x[2] : 0;
}

/* s + the products of the int16 pairs x01, x23 with the four int8 weights of word w (stored
 * w0 w2 w1 w3): SMLAD into int32, or SMLALD into int64 (aot_mac4_s16_64). */
static inline int32_t aot_mac4_s16(int32_t s, uint32_t w, int32_t x01, int32_t x23)
{
    return aot_smlad(aot_sxtb16_ror8(w), x23, aot_smlad(aot_sxtb16(w), x01, s));
}

static inline int64_t aot_mac4_s16_64(int64_t s, uint32_t w, int32_t x01, int32_t x23)
{
    return aot_smlald(aot_sxtb16_ror8(w), x23, aot_smlald(aot_sxtb16(w), x01, s));
}

void aot_dot2_s16(const int16_t *x, int k, const int32_t *w, int64_t acc[2])
{
    int64_t a0 = acc[0], a1 = acc[1];
    for (int g = k >> 2; g > 0; --g) {
        const int32_t x01 = (int32_t)aot_ld32(x), x23 = (int32_t)aot_ld32(x + 2);
        a0 = aot_mac4_s16_64(a0, (uint32_t)w[0], x01, x23);
        a1 = aot_mac4_s16_64(a1, (uint32_t)w[1], x01, x23);
        x += 4;
        w += 2;
    }
    if (k & 3) {
        int32_t x01, x23;
        aot_tail_s16(x, k & 3, &x01, &x23);
        a0 = aot_mac4_s16_64(a0, (uint32_t)w[0], x01, x23);
        a1 = aot_mac4_s16_64(a1, (uint32_t)w[1], x01, x23);
    }
    acc[0] = a0;
    acc[1] = a1;
}

int64_t aot_dot_s16(const int16_t *x, int k, const int32_t *w, int64_t acc)
{
    for (int g = k >> 2; g > 0; --g) {
        acc = aot_mac4_s16_64(acc, (uint32_t)*w++, (int32_t)aot_ld32(x), (int32_t)aot_ld32(x + 2));
        x += 4;
    }
    if (k & 3) {
        int32_t x01, x23;
        aot_tail_s16(x, k & 3, &x01, &x23);
        acc = aot_mac4_s16_64(acc, (uint32_t)*w, x01, x23);
    }
    return acc;
}

/* The int32 runs of aot_dot2x2_s16 and aot_dot4_s16: the step (the variadic argument, which
 * advances w by `words` per group of 4 values) sums into s0..s3 over at most 127 groups at a
 * time (|x * w| <= 2^22: no sum of 508 products overflows), each run then added to acc[0..3]. */
#define AOT_INT32_RUNS(k, w, words, ...)                                         \
    for (int groups_ = (k) >> 2; groups_ > 0;) {                                \
        const int run_ = groups_ < 127 ? groups_ : 127;                         \
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                 \
        for (const int32_t *stop_ = (w) + (words) * run_; (w) != stop_;) {      \
            __VA_ARGS__                                                         \
        }                                                                       \
        acc[0] += s0;                                                           \
        acc[1] += s1;                                                           \
        acc[2] += s2;                                                           \
        acc[3] += s3;                                                           \
        groups_ -= run_;                                                        \
    }

void aot_dot2x2_s16(const int16_t *xa, const int16_t *xb, int k, const int32_t *w, int64_t acc[4])
{
    AOT_INT32_RUNS(k, w, 2, {
        /* each weight pair extended once for both columns */
        const int32_t a01 = (int32_t)aot_ld32(xa), a23 = (int32_t)aot_ld32(xa + 2);
        const int32_t b01 = (int32_t)aot_ld32(xb), b23 = (int32_t)aot_ld32(xb + 2);
        const uint32_t w0 = (uint32_t)w[0], w1 = (uint32_t)w[1];
        int32_t t = aot_sxtb16(w0);
        s0 = aot_smlad(t, a01, s0);
        s1 = aot_smlad(t, b01, s1);
        t = aot_sxtb16_ror8(w0);
        s0 = aot_smlad(t, a23, s0);
        s1 = aot_smlad(t, b23, s1);
        t = aot_sxtb16(w1);
        s2 = aot_smlad(t, a01, s2);
        s3 = aot_smlad(t, b01, s3);
        t = aot_sxtb16_ror8(w1);
        s2 = aot_smlad(t, a23, s2);
        s3 = aot_smlad(t, b23, s3);
        xa += 4;
        xb += 4;
        w += 2;
    })
    if (k & 3) {
        int32_t a01, a23, b01, b23;
        aot_tail_s16(xa, k & 3, &a01, &a23);
        aot_tail_s16(xb, k & 3, &b01, &b23);
        acc[0] = aot_mac4_s16_64(acc[0], (uint32_t)w[0], a01, a23);
        acc[1] = aot_mac4_s16_64(acc[1], (uint32_t)w[0], b01, b23);
        acc[2] = aot_mac4_s16_64(acc[2], (uint32_t)w[1], a01, a23);
        acc[3] = aot_mac4_s16_64(acc[3], (uint32_t)w[1], b01, b23);
    }
}

void aot_dot4_s16(const int16_t *x, int k, const int32_t *w, int64_t acc[4])
{
    AOT_INT32_RUNS(k, w, 4, {
        const int32_t x01 = (int32_t)aot_ld32(x), x23 = (int32_t)aot_ld32(x + 2);
        s0 = aot_mac4_s16(s0, (uint32_t)w[0], x01, x23);
        s1 = aot_mac4_s16(s1, (uint32_t)w[1], x01, x23);
        s2 = aot_mac4_s16(s2, (uint32_t)w[2], x01, x23);
        s3 = aot_mac4_s16(s3, (uint32_t)w[3], x01, x23);
        x += 4;
        w += 4;
    })
    if (k & 3) {
        int32_t x01, x23;
        aot_tail_s16(x, k & 3, &x01, &x23);
        for (int r = 0; r < 4; ++r) {
            acc[r] = aot_mac4_s16_64(acc[r], (uint32_t)w[r], x01, x23);
        }
    }
}
