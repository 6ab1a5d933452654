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
/* aot_mm_2col's step: two weight rows a, b from w against two columns of 4 int16 from p (words
 * x00 x01 of column 0, then x10 x11 of column 1), 16 MACs. AOT_MM_ROUND8: int8 weights, one word
 * per row (w0 w2 w1 w3, SXTB16 of it and of it ror 8), 15 instructions; AOT_MM_ROUND16: int16
 * weights, two words per row ((w0,w1), (w2,w3)), 12 instructions. */
#define AOT_MM_ROUND8                                                                   \
        "ldrd %[va], %[vb], [%[w]], #8\n\t"                                             \
        "ldrd %[x00], %[x01], [%[p]], #8\n\t"                                           \
        "ldrd %[x10], %[x11], [%[p]], #8\n\t"                                           \
        "sxtb16 %[t], %[va]\n\t"                                                        \
        "sxtb16 %[va], %[va], ror #8\n\t"                                               \
        "smlad %[a00], %[t], %[x00], %[a00]\n\t"                                        \
        "smlad %[a01], %[t], %[x10], %[a01]\n\t"                                        \
        "smlad %[a00], %[va], %[x01], %[a00]\n\t"                                       \
        "smlad %[a01], %[va], %[x11], %[a01]\n\t"                                       \
        "sxtb16 %[t], %[vb]\n\t"                                                        \
        "sxtb16 %[vb], %[vb], ror #8\n\t"                                               \
        "smlad %[a10], %[t], %[x00], %[a10]\n\t"                                        \
        "smlad %[a11], %[t], %[x10], %[a11]\n\t"                                        \
        "smlad %[a10], %[vb], %[x01], %[a10]\n\t"                                       \
        "smlad %[a11], %[vb], %[x11], %[a11]\n\t"
#define AOT_MM_ROUND16                                                                  \
        "ldrd %[va], %[vb], [%[w]], #8\n\t"                                             \
        "ldrd %[x00], %[x01], [%[p]], #8\n\t"                                           \
        "ldrd %[x10], %[x11], [%[p]], #8\n\t"                                           \
        "smlad %[a00], %[va], %[x00], %[a00]\n\t"                                       \
        "smlad %[a00], %[vb], %[x01], %[a00]\n\t"                                       \
        "smlad %[a01], %[va], %[x10], %[a01]\n\t"                                       \
        "smlad %[a01], %[vb], %[x11], %[a01]\n\t"                                       \
        "ldrd %[va], %[vb], [%[w]], #8\n\t"                                             \
        "smlad %[a10], %[va], %[x00], %[a10]\n\t"                                       \
        "smlad %[a10], %[vb], %[x01], %[a10]\n\t"                                       \
        "smlad %[a11], %[va], %[x10], %[a11]\n\t"                                       \
        "smlad %[a11], %[vb], %[x11], %[a11]\n\t"
#define AOT_MM_OUTS(w, p, a00, a01, a10, a11)                                            \
    [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [w] "+r"(w), [p] "+r"(p), \
        [va] "=&r"(va_), [vb] "=&r"(vb_), [x00] "=&r"(x00_), [x01] "=&r"(x01_), [x10] "=&r"(x10_), \
        [x11] "=&r"(x11_), [t] "=&r"(t_)
/* One step (int16 weights if `wide`, a constant). */
#define AOT_MM_STEP(wide, w, p, a00, a01, a10, a11)                                      \
    do {                                                                                 \
        int32_t va_, vb_, x00_, x01_, x10_, x11_, t_;                                    \
        if (wide) {                                                                      \
            __asm__(AOT_MM_ROUND16 : AOT_MM_OUTS(w, p, a00, a01, a10, a11) : : "memory"); \
        } else {                                                                         \
            __asm__(AOT_MM_ROUND8 : AOT_MM_OUTS(w, p, a00, a01, a10, a11) : : "memory");  \
        }                                                                                \
    } while (0)
/* Two steps per iteration, `pairs` (> 0) iterations: the loop in asm so that the four
 * accumulators stay in their registers (GCC's unrolled loop copies them). */
#define AOT_MM_LOOP(wide, w, p, pairs, a00, a01, a10, a11)                               \
    do {                                                                                 \
        int32_t va_, vb_, x00_, x01_, x10_, x11_, t_;                                    \
        if (wide) {                                                                      \
            __asm__("1:\n\t" AOT_MM_ROUND16 AOT_MM_ROUND16 "subs %[k], %[k], #1\n\tbne 1b" \
                    : AOT_MM_OUTS(w, p, a00, a01, a10, a11), [k] "+r"(pairs) : : "memory", "cc"); \
        } else {                                                                         \
            __asm__("1:\n\t" AOT_MM_ROUND8 AOT_MM_ROUND8 "subs %[k], %[k], #1\n\tbne 1b"   \
                    : AOT_MM_OUTS(w, p, a00, a01, a10, a11), [k] "+r"(pairs) : : "memory", "cc"); \
        }                                                                                \
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
#define AOT_MM_STEP(wide, w, p, a00, a01, a10, a11)                                          \
    do {                                                                                       \
        int32_t wa0_, wa1_, wb0_, wb1_;                                                        \
        if (wide) {                                                                            \
            wa0_ = (w)[0], wa1_ = (w)[1], wb0_ = (w)[2], wb1_ = (w)[3];                        \
            (w) += 4;                                                                          \
        } else {                                                                               \
            const uint32_t va_ = (uint32_t)(w)[0], vb_ = (uint32_t)(w)[1];                     \
            wa0_ = aot_sxtb16(va_), wa1_ = aot_sxtb16_ror8(va_);                               \
            wb0_ = aot_sxtb16(vb_), wb1_ = aot_sxtb16_ror8(vb_);                               \
            (w) += 2;                                                                          \
        }                                                                                      \
        a00 = aot_smlad(wa1_, (p)[1], aot_smlad(wa0_, (p)[0], a00));                           \
        a01 = aot_smlad(wa1_, (p)[3], aot_smlad(wa0_, (p)[2], a01));                           \
        a10 = aot_smlad(wb1_, (p)[1], aot_smlad(wb0_, (p)[0], a10));                           \
        a11 = aot_smlad(wb1_, (p)[3], aot_smlad(wb0_, (p)[2], a11));                           \
        (p) += 4;                                                                              \
    } while (0)
#define AOT_MM_LOOP(wide, w, p, pairs, a00, a01, a10, a11) \
    for (; (pairs) > 0; --(pairs)) {                         \
        AOT_MM_STEP(wide, w, p, a00, a01, a10, a11);          \
        AOT_MM_STEP(wide, w, p, a00, a01, a10, a11);          \
    }
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

/* The epilogue. One output: requantised (aot_rq), plus `off` (the output offset where aot_rq_t
 * could not fold it, else 0), saturated to int8 (SSAT); a narrower activation range is
 * aot_clamp_s8's, after. On SIMD32 cores one asm block per output (LDRD of k, SMLAL of the
 * product, SMLAL of the sign correction, ASR, ADD, SSAT, STRB), the multiplier and shift loaded
 * once per channel (LDRD), so that GCC does not shuffle the 64-bit pairs between registers. */
#if AOT_SIMD32
/* The requantisation of accumulator `acc` into the byte operand `o`, m and sh loaded. */
#define AOT_OUT_TEXT(acc, o)                                                                      \
    "ldrd %[lo], %[hi], [%[q], %[ko]]\n\t"                                                         \
    "smlal %[lo], %[hi], %[" acc "], %[m]\n\t"                                                     \
    "lsr %[t], %[" acc "], #31\n\t"                                                                \
    "smlal %[lo], %[hi], %[t], %[c]\n\t"                                                           \
    "asr %[hi], %[hi], %[sh]\n\t"                                                                  \
    "add %[hi], %[hi], %[off]\n\t"                                                                 \
    "ssat %[hi], #8, %[hi]\n\t"                                                                    \
    "strb %[hi], %[" o "]\n\t"
#define AOT_OUT_REGS [lo] "=&r"(lo), [hi] "=&r"(hi), [t] "=&r"(t), [m] "=&r"(m), [sh] "=&r"(sh)
#define AOT_OUT_INS(q, i, off) \
    [q] "r"(q), [mo] "i"(16 * (i)), [ko] "i"(16 * (i) + 8), [off] "r"(off), [c] "r"(INT32_MIN), "m"(q[i])
/* o[i] from a0 and q[i] (i a constant: offsets from the bases o and q, no address arithmetic). */
AOT_ALWAYS_INLINE void aot_out_at(int8_t *o, int i, int32_t a0, const aot_rq_t *q, int32_t off)
{
    uint32_t lo, t;
    int32_t hi, m, sh;
    __asm__("ldrd %[m], %[sh], [%[q], %[mo]]\n\t" AOT_OUT_TEXT("a0", "o0")
            : AOT_OUT_REGS, [o0] "=m"(o[i]) : AOT_OUT_INS(q, i, off), [a0] "r"(a0));
}
/* o0[i], o1[i] from a0, a1 (two pixels) and q[i], m and sh loaded once. */
AOT_ALWAYS_INLINE void aot_out2_at(int8_t *o0, int8_t *o1, int i, int32_t a0, int32_t a1, const aot_rq_t *q,
                                   int32_t off)
{
    uint32_t lo, t;
    int32_t hi, m, sh;
    __asm__("ldrd %[m], %[sh], [%[q], %[mo]]\n\t" AOT_OUT_TEXT("a0", "o0") AOT_OUT_TEXT("a1", "o1")
            : AOT_OUT_REGS, [o0] "=m"(o0[i]), [o1] "=m"(o1[i]) : AOT_OUT_INS(q, i, off), [a0] "r"(a0), [a1] "r"(a1));
}
#else
AOT_ALWAYS_INLINE void aot_out_at(int8_t *o, int i, int32_t a0, const aot_rq_t *q, int32_t off)
{
    o[i] = aot_ssat8(aot_rq(a0, q + i) + off);
}
AOT_ALWAYS_INLINE void aot_out2_at(int8_t *o0, int8_t *o1, int i, int32_t a0, int32_t a1, const aot_rq_t *q,
                                   int32_t off)
{
    aot_out_at(o0, i, a0, q, off);
    aot_out_at(o1, i, a1, q, off);
}
#endif

AOT_ALWAYS_INLINE void aot_out_st(int8_t *o0, int32_t a0, const aot_rq_t *q, int32_t off)
{
    aot_out_at(o0, 0, a0, q, off);
}

AOT_ALWAYS_INLINE int8_t aot_out(int32_t acc, const aot_rq_t *q, int32_t off)
{
    return aot_ssat8(aot_rq(acc, q) + off);
}

/* aot_out of four accumulators into out[0..3] with the requantisation entries q[0..3]. */
AOT_ALWAYS_INLINE void aot_out4(int8_t *out, int32_t a0, int32_t a1, int32_t a2, int32_t a3, const aot_rq_t *q,
                                int32_t off)
{
    aot_out_at(out, 0, a0, q, off);
    aot_out_at(out, 1, a1, q, off);
    aot_out_at(out, 2, a2, q, off);
    aot_out_at(out, 3, a3, q, off);
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
/* m steps (m >= 1): first m % 8 one at a time, then 8 per loop iteration. */
#define AOT_FCX_LOOP(STEP, W_, X_, M_, a0, a1, a2, a3)                                             \
    do {                                                                                           \
        register int32_t w0_ __asm__("r8"), w1_ __asm__("r9"), w2_ __asm__("r10"), w3_ __asm__("r11"); \
        int32_t y_, z_;                                                                            \
        __asm__("tst %[m], #7\n\t"                                                                 \
                "beq 2f\n"                                                                         \
                "1:\n\t" STEP                                                                      \
                "sub %[m], %[m], #1\n\t"                                                           \
                "tst %[m], #7\n\t"                                                                 \
                "bne 1b\n"                                                                         \
                "2:\n\t"                                                                           \
                "cmp %[m], #0\n\t"                                                                 \
                "beq 4f\n"                                                                         \
                "3:\n\t" AOT_X4S(STEP) AOT_X4S(STEP)                                               \
                "subs %[m], %[m], #8\n\t"                                                          \
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

/* The int8-weight rows once, shared by aot_fc_s8o and aot_conv_pxo. */
static __attribute__((noinline)) void aot_fcx_rows8(const int32_t *xs, const int32_t *w, int groups, int n,
                                                    const int32_t *bias, const aot_rq_t *rq, int8_t *out, int32_t off)
{
    aot_fcx_rows(xs, w, groups, n, bias, rq, out, off, 0);
}

void aot_fc_s8o(const int8_t *x, int32_t *xs, const int32_t *w, int k, int n, const int32_t *bias,
                const aot_rq_t *rq, int8_t *out, int32_t off)
{
    aot_fc_expand(x, k, xs);
    aot_fcx_rows8(xs, w, (k + 3) >> 2, n, bias, rq, out, off);
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

/* aot_conv_px16's steps on a block of `rows` (4 or 8, a constant) weight rows, accumulators
 * a0..a3 (a0..a7). AOT_PX16_WORD: one word of 4 int8 inputs from x (any alignment; SXTB16
 * pairs bytes 0,2 and 1,3) against each row's int16 weight pairs (w0,w2), (w1,w3) from w: 3 + 3
 * rows instructions, 4 rows MACs. AOT_PX16_BYTE: one int8 input against the rows' int16
 * weights (r0 | r1 << 16), (r2 | r3 << 16), ...: 1 + 2.5 rows instructions. The input is
 * loaded in C so that the asm needs at most 13 registers. */
#if AOT_SIMD32
#define AOT_PX16_ROW(a)                                                                            \
    "ldrd %[va], %[vb], [%[w]], #8\n\tsmlad %[" a "], %[va], %[xa], %[" a "]\n\t"                   \
    "smlad %[" a "], %[vb], %[xb], %[" a "]\n\t"
#define AOT_PX16_WORD4                                                                             \
    "sxtb16 %[xb], %[xa], ror #8\n\tsxtb16 %[xa], %[xa]\n\t"                                        \
    AOT_PX16_ROW("a0") AOT_PX16_ROW("a1") AOT_PX16_ROW("a2") AOT_PX16_ROW("a3")
#define AOT_PX16_QUAD(a, b, c, d)                                                                  \
    "ldrd %[va], %[vb], [%[w]], #8\n\tsmlabb %[" a "], %[xa], %[va], %[" a "]\n\t"                  \
    "smlabt %[" b "], %[xa], %[va], %[" b "]\n\tsmlabb %[" c "], %[xa], %[vb], %[" c "]\n\t"        \
    "smlabt %[" d "], %[xa], %[vb], %[" d "]\n\t"
#define AOT_PX16_BYTE4 AOT_PX16_QUAD("a0", "a1", "a2", "a3")
#define AOT_PX16_ACC4(a0, a1, a2, a3) [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3)
#define AOT_PX16_ASM(TEXT, W_, X_, ...)                                                            \
    do {                                                                                           \
        int32_t va_, vb_, xb_;                                                                     \
        __asm__(TEXT : __VA_ARGS__, [w] "+r"(W_), [xa] "+r"(X_), [va] "=&r"(va_), [vb] "=&r"(vb_),  \
                [xb] "=&r"(xb_) : : "memory");                                                     \
    } while (0)
/* TEXT4 on rows a0..a3, or TEXT4 followed by REST on a0..a7, with the input x_. */
#define AOT_PX16_STEP(rows, TEXT4, REST, W_, x_, a0, a1, a2, a3, a4, a5, a6, a7)                    \
    do {                                                                                           \
        if ((rows) == 8) {                                                                         \
            AOT_PX16_ASM(TEXT4 REST, W_, x_, AOT_PX16_ACC4(a0, a1, a2, a3),                        \
                         [a4] "+r"(a4), [a5] "+r"(a5), [a6] "+r"(a6), [a7] "+r"(a7));              \
        } else {                                                                                   \
            AOT_PX16_ASM(TEXT4, W_, x_, AOT_PX16_ACC4(a0, a1, a2, a3));                            \
        }                                                                                          \
    } while (0)
#define AOT_PX16_WORD(rows, W_, X_, ...)                                                           \
    do {                                                                                           \
        int32_t x_ = (int32_t)aot_ld32(X_);                                                        \
        (X_) += 4;                                                                                 \
        AOT_PX16_STEP(rows, AOT_PX16_WORD4, AOT_PX16_ROW("a4") AOT_PX16_ROW("a5") AOT_PX16_ROW("a6") \
                      AOT_PX16_ROW("a7"), W_, x_, __VA_ARGS__);                                    \
    } while (0)
#define AOT_PX16_BYTE(rows, W_, X_, ...)                                                           \
    do {                                                                                           \
        int32_t x_ = *(X_)++;                                                                      \
        AOT_PX16_STEP(rows, AOT_PX16_BYTE4, AOT_PX16_QUAD("a4", "a5", "a6", "a7"), W_, x_, __VA_ARGS__); \
    } while (0)
#else
#define AOT_PX16_WORD(rows, W_, X_, a0, a1, a2, a3, a4, a5, a6, a7)                                \
    do {                                                                                           \
        const uint32_t v_ = aot_ld32(X_);                                                          \
        const int32_t xa_ = aot_sxtb16(v_), xb_ = aot_sxtb16_ror8(v_);                             \
        int32_t *const acc_[8] = {&a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7};                         \
        for (int i_ = 0; i_ < (rows); ++i_) {                                                      \
            *acc_[i_] = aot_smlad((W_)[2 * i_ + 1], xb_, aot_smlad((W_)[2 * i_], xa_, *acc_[i_]));  \
        }                                                                                          \
        (W_) += 2 * (rows);                                                                        \
        (X_) += 4;                                                                                 \
    } while (0)
#define AOT_PX16_BYTE(rows, W_, X_, a0, a1, a2, a3, a4, a5, a6, a7)                                \
    do {                                                                                           \
        const int32_t x_ = *(X_)++;                                                                \
        int32_t *const acc_[8] = {&a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7};                         \
        for (int i_ = 0; i_ < (rows); ++i_) {                                                      \
            const int32_t v_ = (i_ & 1) ? aot_hi16((W_)[i_ >> 1]) : aot_lo16((W_)[i_ >> 1]);         \
            *acc_[i_] = (int32_t)((uint32_t)*acc_[i_] + (uint32_t)(x_ * v_));                      \
        }                                                                                          \
        (W_) += (rows) >> 1;                                                                       \
    } while (0)
#endif

/* One block of `rows` (4 or 8, a constant) weight rows of aot_conv_px16 for npx pixels: pixel
 * i's segments at seg[ky] + i * step, its outputs out[i * n + 0..rows-1]; *wp advances. */
AOT_ALWAYS_INLINE void aot_px16_block(const int8_t *const *seg, int kh, int words, int tail, const int32_t **wp,
                                      int n, const int32_t *bias, const aot_rq_t *rq, int8_t *out, int32_t off,
                                      int npx, int step, int rows)
{
    const int32_t *w = *wp;
    for (int disp = 0; npx > 0; --npx, disp += step, out += n) {
        int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3], a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        if (rows == 8) {
            a4 = bias[4], a5 = bias[5], a6 = bias[6], a7 = bias[7];
        }
        w = *wp;
        for (const int8_t *const *sp = seg, *const *end = seg + kh; sp != end; ++sp) {
            const int8_t *p = *sp + disp;
#pragma GCC unroll 3
            for (int j = words; j > 0; --j) {
                AOT_PX16_WORD(rows, w, p, a0, a1, a2, a3, a4, a5, a6, a7);
            }
            for (int j = tail; j > 0; --j) {
                AOT_PX16_BYTE(rows, w, p, a0, a1, a2, a3, a4, a5, a6, a7);
            }
        }
        aot_out4(out, a0, a1, a2, a3, rq, off);
        if (rows == 8) {
            aot_out4(out + 4, a4, a5, a6, a7, rq + 4, off);
        }
    }
    *wp = w;
}

/* aot_conv_px16 for segments of `words` words and `tail` values (constants where inlined for
 * the common shapes): blocks of `block` (8 or 4, a constant) rows, then of 4, then the last n % 4
 * rows one at a time, each over the npx pixels. */
AOT_ALWAYS_INLINE void aot_conv_px16_n(const int8_t *const *seg, int kh, int words, int tail, const int32_t *w,
                                       int n, const int32_t *bias, const aot_rq_t *rq, int8_t *out, int32_t off,
                                       int npx, int step, int block)
{
    int r = 0;
    for (; block == 8 && r + 8 <= n; r += 8) {
        aot_px16_block(seg, kh, words, tail, &w, n, bias + r, rq + r, out + r, off, npx, step, 8);
    }
    for (; r + 4 <= n; r += 4) {
        aot_px16_block(seg, kh, words, tail, &w, n, bias + r, rq + r, out + r, off, npx, step, 4);
    }
    for (; r < n; ++r) { /* the last n % 4 rows: per word (w0,w2), (w1,w3), per tail value an int32 */
        const int32_t *wr = w;
        for (int i = 0; i < npx; ++i) {
            int32_t a = bias[r];
            w = wr;
            for (int ky = 0; ky < kh; ++ky) {
                const int8_t *p = seg[ky] + i * step;
                for (int j = words; j > 0; --j, p += 4, w += 2) {
                    const uint32_t v = aot_ld32(p);
                    a = aot_smlad(w[1], aot_sxtb16_ror8(v), aot_smlad(w[0], aot_sxtb16(v), a));
                }
                for (int j = tail; j > 0; --j) {
                    a = (int32_t)((uint32_t)a + (uint32_t)(*p++ * *w++));
                }
            }
            out[i * n + r] = aot_out(a, rq + r, off);
        }
    }
}

void aot_conv_px16(const int8_t *const *seg, int kh, int words, int tail, const int32_t *w, int n,
                   const int32_t *bias, const aot_rq_t *rq, int8_t *out, int32_t off, int npx, int step)
{
    aot_conv_px16_n(seg, kh, words, tail, w, n, bias, rq, out, off, npx, step, 4);
}

/* The segment lengths in blocks of 8 rows, each its own function so that a firmware links only
 * those it calls (codegen_c/dsp.py PX16_OCTETS): 3 channels x 3 columns (the first convolution
 * of an image model), one word (e.g. one channel x 4 columns of a spectrogram). */
void aot_conv_px16_9(const int8_t *const *seg, int kh, const int32_t *w, int n, const int32_t *bias,
                     const aot_rq_t *rq, int8_t *out, int32_t off, int npx, int step)
{
    aot_conv_px16_n(seg, kh, 2, 1, w, n, bias, rq, out, off, npx, step, 8);
}

void aot_conv_px16_4(const int8_t *const *seg, int kh, const int32_t *w, int n, const int32_t *bias,
                     const aot_rq_t *rq, int8_t *out, int32_t off, int npx, int step)
{
    aot_conv_px16_n(seg, kh, 1, 0, w, n, bias, rq, out, off, npx, step, 8);
}

void aot_conv_pxo(const int8_t *const *seg, int nseg, int len, int32_t *xs, const int32_t *w, int n,
                  const int32_t *bias, const aot_rq_t *rq, int8_t *out, int32_t off)
{
    for (int i = 0; i < nseg; ++i) {
        aot_fc_expand(seg[i], len, xs + (len >> 1) * i);
    }
    aot_fcx_rows8(xs, w, (nseg * len) >> 2, n, bias, rq, out, off);
}

/* aot_mm_2col (int16 weights if `wide`: aot_mm_2col16) for `groups` groups of 4 values:
 * inlined with a constant count for the small K of 1x1 convolutions (straight-line steps: the
 * same steps as a `#pragma GCC unroll 4` loop measured 0.1-0.2% more instructions on kws and vww,
 * GCC 12 -O2), else two steps per loop iteration. */
AOT_ALWAYS_INLINE void aot_mm_2col_n(int wide, const int32_t *w, const int32_t *cols, int groups, int n,
                                     const int32_t *bias, const aot_rq_t *rq, int8_t *out0, int8_t *out1,
                                     int32_t off)
{
    int r = 0;
    for (; r + 2 <= n; r += 2) {
        const int32_t *p = cols;
        int32_t a00 = bias[r], a01 = a00, a10 = bias[r + 1], a11 = a10;
        if (__builtin_constant_p(groups) && groups <= 4) {
            AOT_MM_STEP(wide, w, p, a00, a01, a10, a11);
            if (groups >= 2) {
                AOT_MM_STEP(wide, w, p, a00, a01, a10, a11);
            }
            if (groups >= 3) {
                AOT_MM_STEP(wide, w, p, a00, a01, a10, a11);
            }
            if (groups >= 4) {
                AOT_MM_STEP(wide, w, p, a00, a01, a10, a11);
            }
        } else {
            int pairs = groups >> 1;
            if (pairs > 0) {
                AOT_MM_LOOP(wide, w, p, pairs, a00, a01, a10, a11);
            }
            if (groups & 1) {
                AOT_MM_STEP(wide, w, p, a00, a01, a10, a11);
            }
        }
        aot_out2_at(out0 + r, out1 + r, 0, a00, a01, rq + r, off);
        aot_out2_at(out0 + r, out1 + r, 1, a10, a11, rq + r, off);
    }
    if (r < n) {
        const int32_t *p = cols;
        int32_t a00 = bias[r], a01 = a00;
        for (int k = groups; k > 0; --k) {
            int32_t w0, w1;
            if (wide) {
                w0 = w[0], w1 = w[1];
                w += 2;
            } else {
                const uint32_t v = (uint32_t)*w++;
                w0 = aot_sxtb16(v), w1 = aot_sxtb16_ror8(v);
            }
            a00 = aot_smlad(w1, p[1], aot_smlad(w0, p[0], a00));
            a01 = aot_smlad(w1, p[3], aot_smlad(w0, p[2], a01));
            p += 4;
        }
        aot_out2_at(out0 + r, out1 + r, 0, a00, a01, rq + r, off);
    }
}

/* aot_mm_2col's and aot_mm_2col16's forms (aot_dsp.h picks one where it is called): the group
 * counts 1..4 of small 1x1 convolutions as constants; any. */
#define AOT_MM_FORM(NAME, WIDE, GROUPS)                                                                 \
    void NAME(const int32_t *w, const int32_t *cols, int n, const int32_t *bias, const aot_rq_t *rq,     \
              int8_t *out0, int8_t *out1, int32_t off)                                                  \
    {                                                                                                   \
        aot_mm_2col_n(WIDE, w, cols, GROUPS, n, bias, rq, out0, out1, off);                             \
    }
AOT_MM_FORM(aot_mm_2col_g1, 0, 1)
AOT_MM_FORM(aot_mm_2col_g2, 0, 2)
AOT_MM_FORM(aot_mm_2col_g3, 0, 3)
AOT_MM_FORM(aot_mm_2col_g4, 0, 4)
AOT_MM_FORM(aot_mm_2col16_g1, 1, 1)
AOT_MM_FORM(aot_mm_2col16_g2, 1, 2)
AOT_MM_FORM(aot_mm_2col16_g3, 1, 3)
AOT_MM_FORM(aot_mm_2col16_g4, 1, 4)
#undef AOT_MM_FORM

void aot_mm_2col_any(const int32_t *w, const int32_t *cols, int groups, int n, const int32_t *bias,
                     const aot_rq_t *rq, int8_t *out0, int8_t *out1, int32_t off)
{
    aot_mm_2col_n(0, w, cols, groups, n, bias, rq, out0, out1, off);
}

void aot_mm_2col16_any(const int32_t *w, const int32_t *cols, int groups, int n, const int32_t *bias,
                       const aot_rq_t *rq, int8_t *out0, int8_t *out1, int32_t off)
{
    aot_mm_2col_n(1, w, cols, groups, n, bias, rq, out0, out1, off);
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

/* The taps [*k0, *k1) of a window starting at input index i0 (step d, k taps) inside [0, n). */
static inline void aot_dwd_taps(int i0, int d, int k, int n, int *k0, int *k1)
{
    const int end = (n - i0 + d - 1) / d;
    *k0 = i0 < 0 ? (-i0 + d - 1) / d : 0;
    *k1 = end < k ? end : k;
}

/* Into a0..a3: the nky x nkx taps from p (rows `row` bytes apart, columns `col`; LOAD reads the
 * word at q_), weights from w (rows wrow words apart). */
#define AOT_DWD_TAPS(LOAD)                                                          \
    do {                                                                                 \
        const int8_t *p_ = p;                                                            \
        const int32_t *w_ = w;                                                           \
        for (int ky = 0; ky < nky; ++ky, p_ += row, w_ += wrow) {                        \
            const int8_t *q_ = p_;                                                       \
            for (const int32_t *wk = w_, *end = w_ + 2 * nkx; wk != end; wk += 2, q_ += col) { \
                aot_dwd_tap(&a0, &a1, &a2, &a3, LOAD, offp, wk[0], wk[1]);               \
            }                                                                            \
        }                                                                                \
    } while (0)

void aot_dw_direct_px(const int8_t *x, int8_t *o, const aot_dwd_t *s, int oy, int ox, int g0, const int32_t *wq,
                      const int32_t *bias, const aot_rq_t *rq)
{
    const int c = s->c, kw = s->kw, iy0 = oy * s->sh - s->pt, ix0 = ox * s->sw - s->pl;
    int ky0, ky1, kx0, kx1;
    aot_dwd_taps(iy0, s->dh, s->kh, s->h, &ky0, &ky1);
    aot_dwd_taps(ix0, s->dw, kw, s->w, &kx0, &kx1);
    const int row = s->dh * s->w * c, col = s->dw * c, wrow = 2 * kw, wg = 2 * s->kh * kw, nky = ky1 - ky0,
              nkx = kx1 - kx0, full = c / 4, rem = c & 3;
    const int32_t offp = s->offp;
    const int8_t *p = x + ((iy0 + ky0 * s->dh) * s->w + ix0 + kx0 * s->dw) * c + 4 * g0;
    const int32_t *w = wq + g0 * wg + (ky0 * kw + kx0) * 2;
    for (int g = g0; g < full; ++g, p += 4, w += wg) {
        int32_t a0 = bias[4 * g], a1 = bias[4 * g + 1], a2 = bias[4 * g + 2], a3 = bias[4 * g + 3];
        AOT_DWD_TAPS(aot_ld32(q_));
        aot_out4(o + 4 * g, a0, a1, a2, a3, rq + 4 * g, s->off);
    }
    if (rem) {
        const int ch = 4 * full;
        int32_t a0 = bias[ch], a1 = rem > 1 ? bias[ch + 1] : 0, a2 = rem > 2 ? bias[ch + 2] : 0, a3 = 0;
        AOT_DWD_TAPS(aot_tail32(q_, rem));
        const int32_t a[4] = {a0, a1, a2, a3};  /* a3: channel 3 of the group, absent */
        for (int r = 0; r < rem; ++r) {
            aot_out_st(o + ch + r, a[r], rq + ch + r, s->off);
        }
    }
}
#undef AOT_DWD_TAPS

/* The word of channel ch, column pair j in a ring row of the two-pixel kernel: [j / l][ch][j % l]
 * (l = 1 at stride 1; l = 2 at stride 2, where the words of pixels ox, ox + 1 are adjacent). */
static inline int32_t *aot_dw_word(int32_t *row, int j, int cb, int l, int ch)
{
    return row + (((j >> (l - 1)) * cb + ch) << (l - 1)) + (j & (l - 1));
}

/* Pixels a, b: 4 int8 channels each, as the int16 pairs (a[ch] + off, b[ch] + off) of channels
 * ch = 0..3: PKHBT/PKHTB pair the bytes of a and b (a0 a1 b0 b1, a2 a3 b2 b3), SXTAB16 (plain
 * and ror 8) extend them with the offset pair o. */
#if AOT_SIMD32
/* At s (advanced by 4) and s + c; channels 0..3 in a, t0, t1, b, then STORE. */
#define AOT_DW_PACK4(STORE)                                                                    \
    int32_t a, b, t0, t1;                                                                      \
    __asm__ volatile("ldr %[b], [%[s], %[c]]\n\t" /* volatile: its stores are its effect */   \
            "ldr %[a], [%[s]], #4\n\t"                                                         \
            "pkhbt %[t0], %[a], %[b], lsl #16\n\t"                                             \
            "pkhtb %[b], %[b], %[a], asr #16\n\t"                                              \
            "sxtab16 %[a], %[o], %[t0]\n\t"                                                    \
            "sxtab16 %[t0], %[o], %[t0], ror #8\n\t"                                           \
            "sxtab16 %[t1], %[o], %[b]\n\t"                                                    \
            "sxtab16 %[b], %[o], %[b], ror #8\n\t" STORE                                       \
            : [s] "+r"(s), [d] "+r"(d), [a] "=&r"(a), [b] "=&r"(b), [t0] "=&r"(t0), [t1] "=&r"(t1) \
            : [c] "r"(c), [o] "r"(offp)                                                        \
            : "memory")
#else
static inline void aot_dw_pair4(const int8_t *s, int c, int32_t offp, int32_t *d, int l)
{
    const int32_t va = (int32_t)aot_ld32(s), vb = (int32_t)aot_ld32(s + c);
    const uint32_t lo = (uint32_t)aot_pkhbt(va, vb), hi = (uint32_t)aot_pkhtb(vb, va);
    d[0] = aot_sxtab16(offp, lo);
    d[l] = aot_sxtab16_ror8(offp, lo);
    d[2 * l] = aot_sxtab16(offp, hi);
    d[3 * l] = aot_sxtab16_ror8(offp, hi);
}
#endif

/* The tail channels (cb & 3 of them) of pixels s, s + c into the words d, d + l, ... */
static inline void aot_dw_pack2_tail(const int8_t *s, int c, int cb, int32_t *d, int l, int32_t off)
{
    for (int ch = cb & 3; ch > 0; --ch, ++s, d += l) {
        *d = (int32_t)(((uint32_t)(s[0] + off) & 0xFFFFu) | ((uint32_t)(s[c] + off) << 16));
    }
}

/* Two pixels (s, s + c) of cb channels as int16 pairs (+ off) into the words d, d + l, ..., d +
 * (cb - 1) * l. */
AOT_ALWAYS_INLINE void aot_dw_pack2(const int8_t *s, int c, int cb, int32_t *d, int l, int32_t off)
{
    const int32_t offp = (int32_t)(((uint32_t)off & 0xFFFFu) * 0x10001u);
    for (int g = cb >> 2; g > 0; --g) {
#if AOT_SIMD32
        if (l == 1) {
            AOT_DW_PACK4("strd %[a], %[t0], [%[d]], #8\n\tstrd %[t1], %[b], [%[d]], #8");
        } else {
            AOT_DW_PACK4("str %[t0], [%[d], #8]\n\tstr %[t1], [%[d], #16]\n\tstr %[b], [%[d], #24]\n\t"
                         "str %[a], [%[d]], #32");
        }
#else
        aot_dw_pair4(s, c, offp, d, l);
        s += 4;
        d += 4 * l;
#endif
    }
    aot_dw_pack2_tail(s, c, cb, d, l, off);
}

/* Stride 2: four pixels (s .. s + 3c) of cb channels, the column pairs of a block
 * ([j / 2][ch][j % 2], j even at d): per 4 channels four adjacent pairs of words. */
AOT_ALWAYS_INLINE void aot_dw_pack4(const int8_t *s, int c, int cb, int32_t *d, int32_t off)
{
    const int32_t offp = (int32_t)(((uint32_t)off & 0xFFFFu) * 0x10001u);
#if AOT_SIMD32
    const int8_t *s2 = s + 2 * c;
    for (int g = cb >> 2; g > 0; --g) {
        int32_t a, b, cc, dd, e, f;
        __asm__ volatile("ldr %[b], [%[s], %[c]]\n\t" /* volatile: its stores are its effect */
                "ldr %[a], [%[s]], #4\n\t"
                "ldr %[dd], [%[s2], %[c]]\n\t"
                "ldr %[cc], [%[s2]], #4\n\t"
                "pkhbt %[e], %[a], %[b], lsl #16\n\t"
                "pkhtb %[b], %[b], %[a], asr #16\n\t"
                "pkhbt %[f], %[cc], %[dd], lsl #16\n\t"
                "pkhtb %[dd], %[dd], %[cc], asr #16\n\t"
                "sxtab16 %[a], %[o], %[e], ror #8\n\t"
                "sxtab16 %[cc], %[o], %[f], ror #8\n\t"
                "strd %[a], %[cc], [%[d], #8]\n\t"
                "sxtab16 %[a], %[o], %[b]\n\t"
                "sxtab16 %[cc], %[o], %[dd]\n\t"
                "strd %[a], %[cc], [%[d], #16]\n\t"
                "sxtab16 %[a], %[o], %[b], ror #8\n\t"
                "sxtab16 %[cc], %[o], %[dd], ror #8\n\t"
                "strd %[a], %[cc], [%[d], #24]\n\t"
                "sxtab16 %[a], %[o], %[e]\n\t"
                "sxtab16 %[cc], %[o], %[f]\n\t"
                "strd %[a], %[cc], [%[d]], #32"
                : [s] "+r"(s), [s2] "+r"(s2), [d] "+r"(d), [a] "=&r"(a), [b] "=&r"(b), [cc] "=&r"(cc),
                  [dd] "=&r"(dd), [e] "=&r"(e), [f] "=&r"(f)
                : [c] "r"(c), [o] "r"(offp)
                : "memory");
    }
    aot_dw_pack2_tail(s, c, cb, d, 2, off);
    aot_dw_pack2_tail(s2, c, cb, d + 1, 2, off);
#else
    for (int g = cb >> 2; g > 0; --g, s += 4, d += 8) {
        aot_dw_pair4(s, c, offp, d, 2);
        aot_dw_pair4(s + 2 * c, c, offp, d + 1, 2);
    }
    aot_dw_pack2_tail(s, c, cb, d, 2, off);
    aot_dw_pack2_tail(s + 2 * c, c, cb, d + 1, 2, off);
#endif
}

/* One pixel s of cb channels (+ off) as the high halves (hi) or the low halves of the words d,
 * d + l, ..., the other halves zero (padding). */
AOT_ALWAYS_INLINE void aot_dw_pack1(const int8_t *s, int cb, int32_t *d, int l, int hi, int32_t off)
{
    const int32_t offp = (int32_t)(((uint32_t)off & 0xFFFFu) * 0x10001u);
    for (int g = cb >> 2; g > 0; --g, s += 4, d += 4 * l) {
        const uint32_t v = aot_ld32(s);
        const uint32_t e = (uint32_t)aot_sxtab16(offp, v), o = (uint32_t)aot_sxtab16_ror8(offp, v);
        d[0] = (int32_t)(hi ? e << 16 : e & 0xFFFFu);
        d[l] = (int32_t)(hi ? o << 16 : o & 0xFFFFu);
        d[2 * l] = (int32_t)(hi ? e & 0xFFFF0000u : e >> 16);
        d[3 * l] = (int32_t)(hi ? o & 0xFFFF0000u : o >> 16);
    }
    for (int ch = cb & 3; ch > 0; --ch, ++s, d += l) {
        const uint32_t v = (uint32_t)(*s + off);
        *d = (int32_t)(hi ? v << 16 : v & 0xFFFFu);
    }
}

/* Column pairs j0..j1-1 of a ring row zeroed (padding): a block's odd or even words where the
 * range starts or ends inside it (stride 2), the whole blocks between in one run. */
static inline void aot_dw_pad(int32_t *row, int j0, int j1, int cb, int l)
{
    if (j0 >= j1) {
        return;
    }
    if (j0 & (l - 1)) {
        for (int ch = 0; ch < cb; ++ch) {
            *aot_dw_word(row, j0, cb, l, ch) = 0;
        }
        ++j0;
    }
    if (j1 & (l - 1) && j0 < j1) {
        --j1;
        for (int ch = 0; ch < cb; ++ch) {
            *aot_dw_word(row, j1, cb, l, ch) = 0;
        }
    }
    if (j0 < j1) {
        aot_zero32(aot_dw_word(row, j0, cb, l, 0), (j1 - j0) * cb);
    }
}

AOT_ALWAYS_INLINE void aot_dw_pack_row(const int8_t *x, int n, int c, int cb, int32_t *row, int col, int words,
                                       int l, int32_t off)
{
    if (words) {
        aot_dw_pad(row, 0, col >> 1, cb, l);
        aot_dw_pad(row, (col + n + 1) >> 1, words, cb, l);
    }
    if (col & 1) { /* the first column is the high half of its pair (the low one is padding) */
        aot_dw_pack1(x, cb, aot_dw_word(row, col >> 1, cb, l, 0), l, 1, off);
        x += c;
        ++col;
        --n;
    }
    if (l == 2 && (col & 2) && n >= 2) { /* an odd column pair first: from there whole blocks */
        aot_dw_pack2(x, c, cb, aot_dw_word(row, col >> 1, cb, 2, 0), 2, off);
        x += 2 * c;
        col += 2;
        n -= 2;
    }
    int32_t *d = aot_dw_word(row, col >> 1, cb, l, 0);
    for (; n >= 2 * l; n -= 2 * l, col += 2 * l, x += 2 * l * c, d += l * cb) {
        if (l == 1) {
            aot_dw_pack2(x, c, cb, d, 1, off);
        } else {
            aot_dw_pack4(x, c, cb, d, off);
        }
    }
    if (n >= 2) { /* stride 2: a last even column pair */
        aot_dw_pack2(x, c, cb, d, l, off);
        x += 2 * c;
        col += 2;
        n -= 2;
    }
    if (n) { /* the last column is the low half of its pair (the high one is padding) */
        aot_dw_pack1(x, cb, aot_dw_word(row, col >> 1, cb, l, 0), l, 0, off);
    }
}

/* aot_dw_row_pack's forms (aot_dsp.h picks one where it is called): per stride (1, 2), one group
 * of 4 channels (the leanest blocks), whole groups (no tail channels), any channels. */
#define AOT_DW_PACK_FORM(NAME, L, CB)                                                                  \
    void NAME(const int8_t *x, int n, int c, int cb, int32_t *row, int col, int words, int32_t off)    \
    {                                                                                                  \
        (void)cb; /* a constant in the one-group forms */                                            \
        aot_dw_pack_row(x, n, c, CB, row, col, words, L, off);                                         \
    }
AOT_DW_PACK_FORM(aot_dw_row_pack1_g1, 1, 4)
AOT_DW_PACK_FORM(aot_dw_row_pack1_g, 1, cb & ~3)
AOT_DW_PACK_FORM(aot_dw_row_pack1_any, 1, cb)
AOT_DW_PACK_FORM(aot_dw_row_pack2_g1, 2, 4)
AOT_DW_PACK_FORM(aot_dw_row_pack2_g, 2, cb & ~3)
AOT_DW_PACK_FORM(aot_dw_row_pack2_any, 2, cb)
#undef AOT_DW_PACK_FORM

/* aot_dw_row_pack of one channel (c = cb = 1: both strides' layouts are the column pairs in
 * order): four contiguous pixels per 32-bit load, SXTAB16 and two pair words. */
void aot_dw_row_pack_c1(const int8_t *x, int n, int c, int cb, int32_t *row, int col, int words, int32_t off)
{
    (void)c, (void)cb; /* both 1 */
    const int32_t offp = (int32_t)(((uint32_t)off & 0xFFFFu) * 0x10001u);
    if (words) {
        aot_zero32(row, col >> 1);
        aot_zero32(row + ((col + n + 1) >> 1), words - ((col + n + 1) >> 1));
    }
    if (col & 1) { /* the first column is the high half of its pair (the low one is padding) */
        row[col >> 1] = (int32_t)((uint32_t)(*x++ + off) << 16);
        ++col;
        --n;
    }
    int32_t *d = row + (col >> 1);
    for (; n >= 4; n -= 4, x += 4, d += 2) {
        const uint32_t v = aot_ld32(x);
        const uint32_t e = (uint32_t)aot_sxtab16(offp, v), o = (uint32_t)aot_sxtab16_ror8(offp, v);
        d[0] = (int32_t)((e & 0xFFFFu) | (o << 16));
        d[1] = (int32_t)((e >> 16) | (o & 0xFFFF0000u));
    }
    for (; n >= 2; n -= 2, x += 2) {
        *d++ = (int32_t)(((uint32_t)(x[0] + off) & 0xFFFFu) | ((uint32_t)(x[1] + off) << 16));
    }
    if (n) { /* the last column is the low half of its pair (the high one is padding) */
        *d = (int32_t)((uint32_t)(*x + off) & 0xFFFFu);
    }
}

void aot_dw3_rows(const aot_dw3_ring_t *s, aot_dw_pack_fn pack, const int8_t *x, int32_t *ring, int oy, int *next,
                  const int32_t **rows)
{
    for (int ky = 0; ky < 3; ++ky) {
        const int iy = oy * s->sh - s->pt + ky;
        int32_t *slot = ring + (iy % 3 + 3) % 3 * s->slot;
        if (iy < 0 || iy >= s->h) {
            aot_zero32(slot, s->slot); /* padding: zeros in its slot, free in this window */
        } else {
            for (; *next <= iy; ++*next) {
                pack(x + *next * s->w * s->c, s->w, s->c, s->cb, ring + *next % 3 * s->slot, s->pl,
                     *next < 3 ? s->words : 0, s->off);
            }
        }
        rows[ky] = slot;
    }
}

/* aot_dw3_out_row's forms: per stride sw (1, 2; a literal for the asm) and with or without the
 * offset added after the requantisation. Per pixel pair, per channel up to the block's last (its
 * record's shift negative): AOT_DW3_ACC, then AOT_DW3_OUT and SSAT write pixel ox (at o) and
 * ox + 1 (at o1 = o + c). */
#define AOT_DW3_OUT_FORM(NAME, SW, ADD)                                                                  \
    void NAME(const aot_dw3_run_t *r, const int32_t *const *rows, const aot_dw3_t *k, int8_t *o)        \
    {                                                                                                    \
        const int32_t *p0 = rows[0], *p1 = rows[1], *p2 = rows[2];                                       \
        const int c = r->c, step = 2 * c - r->nc;                                                        \
        const int32_t cbm = r->cbm, add = ADD;                                                           \
        int8_t *o1 = o + c; /* pixel ox + 1 */                                                           \
        for (int j = r->pairs; j > 0; --j, o += step, o1 += step) {                                      \
            const aot_dw3_t *kk = k;                                                                     \
            int32_t a0, a1, m, sh;                                                                       \
            do {                                                                                         \
                AOT_DW3_ACC(SW, cbm, p0, p1, p2, kk, a0, a1, m, sh);                                     \
                *o++ = aot_ssat8(AOT_DW3_OUT(a0, m, sh, kk) + add);                                      \
                *o1++ = aot_ssat8(AOT_DW3_OUT(a1, m, sh, kk) + add);                                     \
                ++kk;                                                                                    \
            } while (sh >= 0);                                                                           \
        }                                                                                                \
        if (r->odd) {                                                                                    \
            const aot_dw3_t *kk = k;                                                                     \
            int32_t a0, m, sh;                                                                           \
            do {                                                                                         \
                AOT_DW3_ACC1(SW, cbm, p0, p1, p2, kk, a0, m, sh);                                        \
                *o++ = aot_ssat8(AOT_DW3_OUT(a0, m, sh, kk) + add);                                      \
                ++kk;                                                                                    \
            } while (sh >= 0);                                                                           \
        }                                                                                                \
    }
AOT_DW3_OUT_FORM(aot_dw3_out1, 1, 0)
AOT_DW3_OUT_FORM(aot_dw3_out2, 2, 0)
AOT_DW3_OUT_FORM(aot_dw3_out1_add, 1, r->out_add)
AOT_DW3_OUT_FORM(aot_dw3_out2_add, 2, r->out_add)
#undef AOT_DW3_OUT_FORM

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
