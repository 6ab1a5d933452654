/* Kernels for Cortex-M cores with Helium (MVE, M55/M85): int8 dot products 16 lanes at a time
 * (VMLADAVA.S8) and the requantisation in vector form. Included by model.c when an operator uses
 * an *_mve variant (templates/ops/<op>_mve.c.j2). Every kernel is static inline: a call site's
 * shapes and constants (static const structs) fold into it. Target only: MVE intrinsics have no
 * host twins (the kernels are tested on qemu-mps3-an547).
 *
 * Conventions (codegen_c/mve.py prepares the constants at compile time):
 * - weight rows are K16 int8 values (K rounded up to 16, zeros after K), stored in blocks of 4
 *   rows: for each 16-byte chunk of K, the chunk of row 0, 1, 2, 3 (64 bytes), so that one
 *   pointer walks a block; the rows of the last block past OC are zeros;
 * - the requantisation table has, per block of 4 output channels, 4 x int32 bias (with the input
 *   offset folded in: bias + input_offset * row sum), 4 multipliers, 4 left shifts, 4 right
 *   shifts as negative numbers (16 words);
 * - aot_mve_rq is TFLM's MultiplyByQuantizedMultiplier (double rounding) bit for bit: VQRDMULH
 *   is SaturatingRoundingDoublingHighMul, and RoundingDivideByPOT rounds half away from zero by
 *   subtracting 1 from negative values before VRSHL's round-half-up (as CMSIS-NN's
 *   arm_requantize_mve).
 */
#ifndef AOT_MVE_H
#define AOT_MVE_H

#if !defined(__ARM_FEATURE_MVE) || !(__ARM_FEATURE_MVE & 1)
#error "aot_mve.h: the model uses Helium (MVE) kernels but the compiler targets no MVE: build with the board's flags (-mcpu=cortex-m55), or compile the model for a board without the mve feature"
#endif

#include <arm_mve.h>
#include <stdint.h>

/* The requantisation of a kernel's sums: the table (above), output offset, activation range, and
 * what its shifts need: ``left``: some channel has a left shift; ``zero_right``: some channel has
 * no right shift (the rounding fixup must then be masked). Constants of each call site, they fold
 * into the inline kernels. */
typedef struct {
    const int32_t *q;
    int32_t out_off;
    int32_t lo;
    int32_t hi;
    int32_t left;
    int32_t zero_right;
} aot_mve_rq_t;

/* MultiplyByQuantizedMultiplier(acc, mult, shift) per lane: lsh = max(shift, 0),
 * rsh = min(shift, 0) (a negative VRSHL shift is a rounding right shift). */
static inline int32x4_t aot_mve_rq(const aot_mve_rq_t *rq, int32x4_t acc, int32x4_t mult, int32x4_t lsh, int32x4_t rsh)
{
    const int32x4_t high = vqrdmulhq_s32(rq->left ? vshlq_s32(acc, lsh) : acc, mult);
    const int32x4_t fixup = vshrq_n_s32(rq->zero_right ? vandq_s32(high, rsh) : high, 31);  /* -1: negative, shifted */
    return vrshlq_s32(vqaddq_s32(high, fixup), rsh);
}

/* Four sums of output channels c..c+3, their bias included (``q``: their 16 words of the
 * requantisation table), to int8: requantisation, output offset, activation range; the first
 * ``n`` lanes stored at y (all four when n >= 4). */
static inline void aot_mve_out4(const aot_mve_rq_t *rq, int32x4_t acc, const int32_t *q, int8_t *y, int32_t n)
{
    acc = aot_mve_rq(rq, acc, vldrwq_s32(q + 4), vldrwq_s32(q + 8), vldrwq_s32(q + 12));
    acc = vminq_s32(vmaxq_s32(vaddq_n_s32(acc, rq->out_off), vdupq_n_s32(rq->lo)), vdupq_n_s32(rq->hi));
    if (n >= 4) {
        vstrbq_s32(y, acc);
    } else {
        vstrbq_p_s32(y, acc, vctp32q((uint32_t)n));
    }
}

/* n bytes from src to dst (16 at a time, the last 1..15 predicated: no byte past n touched). */
static inline void aot_mve_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 16; n -= 16, src += 16, dst += 16) {
        vstrbq_s8(dst, vldrbq_s8(src));
    }
    if (n > 0) {
        const mve_pred16_t p = vctp8q((uint32_t)n);
        vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
    }
}

/* n bytes of dst set to v. */
static inline void aot_mve_set(int8_t *dst, int8_t v, int32_t n)
{
    const int8x16_t vv = vdupq_n_s8(v);
    for (; n > 0; n -= 16, dst += 16) {
        vstrbq_p_s8(dst, vv, vctp8q((uint32_t)n));
    }
}

/* The int32x4 (a, b, c, d) of four scalar sums: two VMOVs of register pairs (GCC 12 writes four). */
static inline int32x4_t aot_mve_vec4(int32_t a, int32_t b, int32_t c, int32_t d)
{
    int32x4_t v;
    __asm__("vmov %q[v][2], %q[v][0], %[a], %[c]\n\t"
            "vmov %q[v][3], %q[v][1], %[b], %[d]"
            : [v] "=w"(v)
            : [a] "r"(a), [b] "r"(b), [c] "r"(c), [d] "r"(d));
    return v;
}

/* One 16-byte chunk of the column (in q0) against the chunk of each of the 4 weight rows at [w]
 * (w advanced past them): the four VMLADAVA.S8 of aot_mve_mm's loop and of its tail-predicated
 * last chunk, which load q0 differently. */
#define AOT_MVE_MM_CHUNK                  \
    "vldrb.8 q1, [%[w], #16]\n\t"          \
    "vldrb.8 q2, [%[w], #32]\n\t"          \
    "vldrb.8 q3, [%[w], #48]\n\t"          \
    "vmladava.s8 %[a1], q0, q1\n\t"        \
    "vldrb.8 q1, [%[w]], #64\n\t"          \
    "vmladava.s8 %[a0], q0, q1\n\t"        \
    "vmladava.s8 %[a2], q0, q2\n\t"        \
    "vmladava.s8 %[a3], q0, q3\n\t"
#define AOT_MVE_MM_SUMS [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3)
#define AOT_MVE_MM_CLOBBERS "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "memory"

/* y[c] = requantised sum_k x[k] * w[c][k] for c < oc (weights in blocks of 4 rows, above): 4 rows
 * at a time against the column, 16 MACs per VMLADAVA (in assembly: GCC 12 spills the pointers),
 * the last chunk of K tail-predicated (VCTP8: lanes past K load zeros; the weights there are zeros
 * too). Inline: a call's constant k, oc and rq fold into it. */
static inline void aot_mve_mm(const int8_t *x, const int8_t *w, int32_t k, int32_t oc, const aot_mve_rq_t *rq, int8_t *y)
{
    const int32_t *q = rq->q;
    for (int32_t c = 0; c < oc; c += 4, q += 16) {
        register int32_t a0 __asm__("r0") = q[0];  /* VMLADAVA accumulates in even registers */
        register int32_t a1 __asm__("r2") = q[1];
        register int32_t a2 __asm__("r4") = q[2];
        register int32_t a3 __asm__("r6") = q[3];
        const int8_t *p = x;
        __asm__ volatile(
            "wls lr, %[n], 2f\n"
            "1:\n\t"
            "vldrb.8 q0, [%[p]], #16\n\t"
            AOT_MVE_MM_CHUNK
            "le lr, 1b\n"
            "2:"
            : AOT_MVE_MM_SUMS, [p] "+r"(p), [w] "+r"(w)
            : [n] "r"(k / 16)
            : "lr", AOT_MVE_MM_CLOBBERS);
        if (k % 16) {  /* lanes past K load zeros */
            __asm__ volatile(
                "vpst\n\t"
                "vldrbt.8 q0, [%[p]]\n\t"
                AOT_MVE_MM_CHUNK
                : AOT_MVE_MM_SUMS, [w] "+r"(w)
                : [p] "r"(p), [in_k] "Up"(vctp8q((uint32_t)(k % 16)))
                : AOT_MVE_MM_CLOBBERS);
        }
        aot_mve_out4(rq, aot_mve_vec4(a0, a1, a2, a3), q, y + c, oc - c);
    }
}
#undef AOT_MVE_MM_CHUNK
#undef AOT_MVE_MM_SUMS
#undef AOT_MVE_MM_CLOBBERS

/* The int8 window of one output pixel into the column ``col`` (KH * KW * IC values): window
 * rows copied from the NHWC image x (h x w x ic), the input zero point ``zp`` where the window
 * leaves the image (so that, with the input offset in the bias, padding adds nothing). (y0, x0):
 * the window's top-left input position; dh, dw: dilations. */
static inline void aot_mve_im2col(const int8_t *x, int32_t h, int32_t w, int32_t ic, int32_t kh, int32_t kw, int32_t dh,
                                  int32_t dw, int32_t y0, int32_t x0, int8_t zp, int8_t *col)
{
    const int32_t row = kw * ic;
    for (int32_t ky = 0; ky < kh; ++ky, col += row) {
        const int32_t iy = y0 + ky * dh;
        if (iy < 0 || iy >= h) {
            aot_mve_set(col, zp, row);
        } else if (dw == 1 && x0 >= 0 && x0 + kw <= w) {
            aot_mve_copy(col, x + (iy * w + x0) * ic, row);
        } else {
            for (int32_t kx = 0; kx < kw; ++kx) {
                const int32_t ix = x0 + kx * dw;
                if (ix < 0 || ix >= w) {
                    aot_mve_set(col + kx * ic, zp, ic);
                } else {
                    aot_mve_copy(col + kx * ic, x + (iy * w + ix) * ic, ic);
                }
            }
        }
    }
}

/* The geometry of a depthwise convolution with depth multiplier 1 (aot_mve_dw). */
typedef struct {
    int32_t h, w, c;        /* input (c: channels, the pixel stride of input and output) */
    int32_t oh, ow;         /* output */
    int32_t sh, sw, pt, pl;
    int32_t rows, rw;       /* ring: rows (the window's height with dilation), pixels a row (with padding) */
    const uint8_t *taps;    /* [rows][16]: the window's tap offsets in a channel's ring when its top row is slot r */
    const int8_t *weights;  /* [c rounded up to 4][16]: each channel's taps, zeros after them */
} aot_mve_dw_t;

/* Input row iy into ring slot ``slot`` of every channel's plane (the padding columns keep zp). */
static inline void aot_mve_dw_fill(const aot_mve_dw_t *g, int32_t cn, const int8_t *x, int32_t iy, int32_t slot, int8_t zp,
                                   int8_t *ring)
{
    const int32_t plane = g->rows * g->rw;
    int8_t *dst = ring + slot * g->rw + g->pl;
    if (iy < 0 || iy >= g->h) {
        for (int32_t c = 0; c < cn; ++c, dst += plane) {
            aot_mve_set(dst, zp, g->w);
        }
        return;
    }
    const uint16x8_t pixels = vmulq_n_u16(vidupq_n_u16(0, 1), (uint16_t)g->c);  /* 8 pixels of one channel */
    const int8_t *src = x + iy * g->w * g->c;
    for (int32_t c = 0; c < cn; ++c, dst += plane) {
        for (int32_t ix = 0; ix < g->w; ix += 8) {
            const mve_pred16_t in_row = vctp16q((uint32_t)(g->w - ix));
            vstrbq_p_s16(dst + ix, vldrbq_gather_offset_z_s16(src + ix * g->c + c, pixels, in_row), in_row);
        }
    }
}

/* The window sums of 4 channels (bias included) for one output pixel: 4 gathers of the taps from
 * the ring planes win, win + plane, ..., each against its channel's taps (*w, advanced past them).
 * In assembly: VMLADAVA needs even registers, and GCC 12 spills around them. */
static inline int32x4_t aot_mve_dw4(const int8_t *win, uint8x16_t taps, int32_t plane, const int8_t **w, const int32_t *q)
{
    register int32_t a0 __asm__("r0");
    register int32_t a1 __asm__("r2");
    register int32_t a2 __asm__("r4");
    register int32_t a3 __asm__("r6");
    int32x4_t out;
    const int8_t *t, *wp = *w;
    __asm__ volatile(
        "ldrd %[a0], %[a1], [%[q]]\n\t"
        "ldrd %[a2], %[a3], [%[q], #8]\n\t"
        "vldrb.u8 q1, [%[win], %q[taps]]\n\t"
        "vldrb.8 q2, [%[w]], #16\n\t"
        "vmladava.s8 %[a0], q1, q2\n\t"
        "add %[t], %[win], %[plane]\n\t"
        "vldrb.u8 q1, [%[t], %q[taps]]\n\t"
        "vldrb.8 q2, [%[w]], #16\n\t"
        "vmladava.s8 %[a1], q1, q2\n\t"
        "add %[t], %[t], %[plane]\n\t"
        "vldrb.u8 q1, [%[t], %q[taps]]\n\t"
        "vldrb.8 q2, [%[w]], #16\n\t"
        "vmladava.s8 %[a2], q1, q2\n\t"
        "add %[t], %[t], %[plane]\n\t"
        "vldrb.u8 q1, [%[t], %q[taps]]\n\t"
        "vldrb.8 q2, [%[w]], #16\n\t"
        "vmladava.s8 %[a3], q1, q2\n\t"
        "vmov %q[out][2], %q[out][0], %[a0], %[a2]\n\t"
        "vmov %q[out][3], %q[out][1], %[a1], %[a3]"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [out] "=&w"(out), [t] "=&r"(t), [w] "+&r"(wp)
        : [win] "r"(win), [taps] "w"(taps), [plane] "r"(plane), [q] "r"(q)
        : "d2", "d3", "d4", "d5", "memory");
    *w = wp;
    return out;
}

/* Depthwise convolution, the taps of a window as the lanes of a vector: the input rows a window
 * needs are copied into ``ring`` (channel-major: cn planes of rows x rw int8, zp in the padding;
 * rows copied with 8-lane gathers), each output (pixel, channel) is one 16-lane gather of its
 * window from the ring and one VMLADAVA with the channel's taps; four channels requantised
 * together. Channels c0 .. c0 + cn - 1 only (c0 % 4 == 0; the weights and the table have
 * whole blocks of 4). Output row oy is written after the rows it reads are in the ring (in place safe
 * where codegen_c/ops/depthwise_conv2d_mve.py says). Always inline: GCC would not inline it, and
 * the geometry (a static const struct) would not fold into it. */
__attribute__((always_inline)) static inline void aot_mve_dw(const aot_mve_dw_t *g, int32_t c0, int32_t cn,
                                                             const int8_t *x, const aot_mve_rq_t *rq, int8_t zp,
                                                             int8_t *ring, int8_t *y)
{
    const int32_t rows = g->rows, plane = rows * g->rw;
    aot_mve_set(ring, zp, cn * plane);
    int32_t next = -g->pt;  /* the first input row not yet in the ring */
    for (int32_t oy = 0; oy < g->oh; ++oy) {
        const int32_t top = oy * g->sh - g->pt;
        for (int32_t iy = next > top ? next : top; iy < top + rows; ++iy) {
            aot_mve_dw_fill(g, cn, x + c0, iy, (iy % rows + rows) % rows, zp, ring);
        }
        next = top + rows;
        const uint8x16_t taps = vldrbq_u8(g->taps + 16 * ((top % rows + rows) % rows));
        for (int32_t ox = 0; ox < g->ow; ++ox, y += g->c) {
            const int8_t *win = ring + ox * g->sw, *w = g->weights + 16 * c0;
            const int32_t *q = rq->q + 4 * c0;
            for (int32_t c = 0; c < cn; c += 4, q += 16, win += 4 * plane) {
                /* channels past cn (a last block of 1..3) read planes of the ring past its end: their lanes are not stored */
                aot_mve_out4(rq, aot_mve_dw4(win, taps, plane, &w, q), q, y + c0 + c, cn - c);
            }
        }
    }
}

/* ADD of same-shape int8 tensors whose output depends on a + b only (codegen_c/ops/add.py's "sum"
 * fold): y = table[a + b + 256] (511 int8), 8 elements at a time (a gather of int16 offsets), the
 * last 1..7 predicated (lanes past n load zeros: offset 256, inside the table). */
static inline int16x8_t aot_mve_add_sum8(int16x8_t a, int16x8_t b, const int8_t *table)
{
    return vldrbq_gather_offset_s16(table, vreinterpretq_u16_s16(vaddq_n_s16(vaddq_s16(a, b), 256)));
}

static inline void aot_mve_add_sum(const int8_t *a, const int8_t *b, const int8_t *table, int8_t *y, int32_t n)
{
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        vstrbq_s16(y + i, aot_mve_add_sum8(vldrbq_s16(a + i), vldrbq_s16(b + i), table));
    }
    if (i < n) {
        const mve_pred16_t p = vctp16q((uint32_t)(n - i));
        vstrbq_p_s16(y + i, aot_mve_add_sum8(vldrbq_z_s16(a + i, p), vldrbq_z_s16(b + i, p), table), p);
    }
}

/* ADD of same-shape int8 tensors by the "mm" fold (codegen_c/ops/add.py): acc = table[a's byte] +
 * b * 2^bshift, y = clamp(SMMLA(acc, m, c) >> sh) (VMULH + c: the high word of acc * m, plus c),
 * 4 elements at a time, the last 1..3 predicated (lanes past n load zeros: table[0]). */
static inline int32x4_t aot_mve_add_mm4(uint32x4_t a, int32x4_t b, const int32_t *table, int32_t bmul, int32_t m,
                                        int32_t c, int32_t sh, int32_t lo, int32_t hi)
{
    const int32x4_t acc = vmlaq_n_s32(vldrwq_gather_shifted_offset_s32(table, a), b, bmul);
    const int32x4_t r = vshlq_r_s32(vaddq_n_s32(vmulhq_s32(acc, vdupq_n_s32(m)), c), -sh);
    return vminq_s32(vmaxq_s32(r, vdupq_n_s32(lo)), vdupq_n_s32(hi));
}

static inline void aot_mve_add_mm(const int8_t *a, const int8_t *b, const int32_t *table, int8_t *y, int32_t n,
                                  int32_t bmul, int32_t m, int32_t c, int32_t sh, int32_t lo, int32_t hi)
{
    const uint8_t *ua = (const uint8_t *)a;  /* the table is indexed by a's byte */
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        vstrbq_s32(y + i, aot_mve_add_mm4(vldrbq_u32(ua + i), vldrbq_s32(b + i), table, bmul, m, c, sh, lo, hi));
    }
    if (i < n) {
        const mve_pred16_t p = vctp32q((uint32_t)(n - i));
        vstrbq_p_s32(y + i, aot_mve_add_mm4(vldrbq_z_u32(ua + i, p), vldrbq_z_s32(b + i, p), table, bmul, m, c, sh, lo, hi),
                     p);
    }
}

/* The average of up to 256 int8 values per lane: ``sum`` (int16 lanes, 8 channels) over ``count``
 * cells rounded half away from zero (TFLM's), clamped to [lo, hi]; the first ``n`` lanes stored
 * at y (all 8 when n >= 8). The division is scalar, once per output. */
static inline void aot_mve_avg8(int16x8_t sum, int32_t count, int32_t lo, int32_t hi, int8_t *y, int32_t n)
{
    int16_t s[8];
    vst1q_s16(s, sum);
    for (int32_t i = 0; i < n && i < 8; ++i) {
        const int32_t q = s[i] > 0 ? (s[i] + count / 2) / count : (s[i] - count / 2) / count;
        y[i] = (int8_t)(q < lo ? lo : q > hi ? hi : q);
    }
}

#endif
