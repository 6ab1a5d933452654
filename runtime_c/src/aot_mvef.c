/* The MVE-F float32 convolutions (aot_mvef.h). Output pixels in tiles: along a row, the columns
 * whose taps all fall inside the input PX at a time, every other column alone with its range of
 * taps inside; the window rows' range inside the input computed once per output row, so no tap
 * is bounds-checked. */
#include "aot_mvef.h"

#if !defined(__ARM_FEATURE_MVE) || !(__ARM_FEATURE_MVE & 2)
#error "aot_mvef.c: the model uses Helium float (MVE-F) kernels but the compiler targets no MVE-F: build with the board's flags (-mcpu=cortex-m55 -mfloat-abi=hard)"
#endif

#include <arm_mve.h>

#define AOT_MVEF_CONV_PX 3  /* output pixels per conv tile (of 8 channels: 6 accumulators, 2 weight vectors) */
#define AOT_MVEF_DW_PX 4    /* output pixels per depthwise tile (of 4 channels) */
#define AOT_MVEF_INLINE __attribute__((always_inline)) static inline

/* [first, end) of the taps k < taps with 0 <= at + k * d < n. */
static void aot_mvef_taps(int32_t at, int32_t taps, int32_t d, int32_t n, int32_t *first, int32_t *end)
{
    *first = at < 0 ? (d - 1 - at) / d : 0;
    *end = at + (taps - 1) * d < n ? taps : (n + d - 1 - at) / d;
}

/* [first, end) of the outputs along an axis whose taps all fall inside the input. */
static void aot_mvef_interior(int32_t n_out, int32_t n_in, int32_t s, int32_t pad, int32_t taps, int32_t d, int32_t *first,
                              int32_t *end)
{
    const int32_t a = (pad + s - 1) / s < n_out ? (pad + s - 1) / s : n_out;
    const int32_t last = n_in - 1 - (taps - 1) * d + pad;  /* stride * (the last such output), at most */
    const int32_t b = last >= 0 ? last / s + 1 : 0;
    *first = a;
    *end = b < a ? a : b > n_out ? n_out : b;
}

/* The first px (1, 3 or 4) accumulators of a tile at y, y + stride, ..., clamped to the activation
 * range, the first n lanes of each. */
AOT_MVEF_INLINE void aot_mvef_store_tile(const aot_mvef_conv_t *g, float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3,
                                         int32_t px, float *y, int32_t stride, int32_t n)
{
    const float32x4_t lo = vdupq_n_f32(g->lo), hi = vdupq_n_f32(g->hi);  /* read once: y may alias *g for all GCC knows */
    const mve_pred16_t p = vctp32q((uint32_t)(n < 4 ? n : 4));
    vstrwq_p_f32(y, vminnmq_f32(vmaxnmq_f32(a0, lo), hi), p);
    if (px > 1) {
        vstrwq_p_f32(y + stride, vminnmq_f32(vmaxnmq_f32(a1, lo), hi), p);
        vstrwq_p_f32(y + 2 * stride, vminnmq_f32(vmaxnmq_f32(a2, lo), hi), p);
    }
    if (px > 3) {
        vstrwq_p_f32(y + 3 * stride, vminnmq_f32(vmaxnmq_f32(a3, lo), hi), p);
    }
}

/* nb (1 or 2) blocks of 4 output channels of a conv tile: px (1 or AOT_MVEF_CONV_PX) pixels,
 * window top-left (y0, x0) in image xn, rows [kya, kyb) and columns [kxa, kxb) of the window
 * inside; weights from wb (block 2 at wb + block), outputs from yp. */
AOT_MVEF_INLINE void aot_mvef_conv_blocks(const aot_mvef_conv_t *g, const float *xn, int32_t y0, int32_t kya, int32_t kyb,
                                          int32_t x0, int32_t kxa, int32_t kxb, int32_t px, int32_t nb, const float *wb,
                                          int32_t c, float *yp)
{
    const int32_t ic = g->ic, s = g->sw * ic, block = g->kh * g->kw * ic * 4;
    /* dilation 1: a window row's taps are one run of (kxb - kxa) * ic input values */
    const int32_t cols = g->dw == 1 ? 1 : kxb - kxa, run = g->dw == 1 ? (kxb - kxa) * ic : ic;
    float32x4_t a0 = vldrwq_f32(g->bias + c), a1 = a0, a2 = a0;
    float32x4_t b0 = vldrwq_f32(g->bias + c + 4 * (nb - 1)), b1 = b0, b2 = b0;
    for (int32_t ky = kya; ky < kyb; ++ky) {
        const float *xr = xn + ((y0 + ky * g->dh) * g->w + x0 + kxa * g->dw) * ic;
        const float *wr = wb + (ky * g->kw + kxa) * ic * 4, *wr2 = wr + block;
        for (int32_t kx = 0; kx < cols; ++kx, xr += g->dw * ic) {
            for (int32_t i = 0; i < run; ++i, wr += 4, wr2 += 4) {
                const float32x4_t wa = vldrwq_f32(wr);
                const float x0v = xr[i];
                a0 = vfmaq_n_f32(a0, wa, x0v);
                if (nb > 1) {
                    const float32x4_t wv = vldrwq_f32(wr2);
                    b0 = vfmaq_n_f32(b0, wv, x0v);
                    if (px > 1) {
                        const float x1v = xr[i + s], x2v = xr[i + 2 * s];
                        a1 = vfmaq_n_f32(a1, wa, x1v);
                        b1 = vfmaq_n_f32(b1, wv, x1v);
                        a2 = vfmaq_n_f32(a2, wa, x2v);
                        b2 = vfmaq_n_f32(b2, wv, x2v);
                    }
                } else if (px > 1) {
                    a1 = vfmaq_n_f32(a1, wa, xr[i + s]);
                    a2 = vfmaq_n_f32(a2, wa, xr[i + 2 * s]);
                }
            }
        }
    }
    aot_mvef_store_tile(g, a0, a1, a2, a2, px, yp + c, g->oc, g->oc - c);
    if (nb > 1) {
        aot_mvef_store_tile(g, b0, b1, b2, b2, px, yp + c + 4, g->oc, g->oc - c - 4);
    }
}

/* A conv tile (above): all output channels, 8 at a time, then the last 1..7. */
AOT_MVEF_INLINE void aot_mvef_conv_tile(const aot_mvef_conv_t *g, const float *xn, int32_t y0, int32_t kya, int32_t kyb,
                                        int32_t x0, int32_t kxa, int32_t kxb, int32_t px, float *yp)
{
    const int32_t block = g->kh * g->kw * g->ic * 4;
    const float *wb = g->wt;
    int32_t c = 0;
    for (; c + 4 < g->oc; c += 8, wb += 2 * block) {
        aot_mvef_conv_blocks(g, xn, y0, kya, kyb, x0, kxa, kxb, px, 2, wb, c, yp);
    }
    if (c < g->oc) {
        aot_mvef_conv_blocks(g, xn, y0, kya, kyb, x0, kxa, kxb, px, 1, wb, c, yp);
    }
}

/* Four floats at p: all, or (tail) the lanes of pred, zeros in the others (nothing read there). */
AOT_MVEF_INLINE float32x4_t aot_mvef_load(const float *p, int32_t tail, mve_pred16_t pred)
{
    return tail ? vldrwq_z_f32(p, pred) : vldrwq_f32(p);
}

/* Channels c..c + 3 (tail: the first n of them) of a depthwise tile: px (1 or AOT_MVEF_DW_PX)
 * pixels, window top-left (y0, x0) in image xn, rows [kya, kyb) and columns [kxa, kxb) of the
 * window inside; pixel p's outputs at yp + p * ys. */
AOT_MVEF_INLINE void aot_mvef_dw_block(const aot_mvef_conv_t *g, const float *xn, int32_t y0, int32_t kya, int32_t kyb, int32_t x0,
                                       int32_t kxa, int32_t kxb, int32_t px, float *yp, int32_t ys, int32_t c, int32_t n,
                                       int32_t tail)
{
    const int32_t ch = g->ic, s = g->sw * ch, step = g->dw * ch;
    const mve_pred16_t pred = vctp32q((uint32_t)n);
    float32x4_t a0 = vldrwq_f32(g->bias + c), a1 = a0, a2 = a0, a3 = a0;
    if (px > 1) {  /* every column inside: taps kya * kw .. kyb * kw at their offsets from the window's corner */
        const int32_t corner = (y0 * g->w + x0) * ch + c;
        const float *wr = g->wt + kya * g->kw * ch + c;
        for (int32_t t = kya * g->kw; t < kyb * g->kw; ++t, wr += ch) {
            const float *xp = xn + (corner + g->toff[t]);
            const float32x4_t wv = aot_mvef_load(wr, tail, pred);
            a0 = vfmaq_f32(a0, aot_mvef_load(xp, tail, pred), wv);
            a1 = vfmaq_f32(a1, aot_mvef_load(xp + s, tail, pred), wv);
            a2 = vfmaq_f32(a2, aot_mvef_load(xp + 2 * s, tail, pred), wv);
            a3 = vfmaq_f32(a3, aot_mvef_load(xp + 3 * s, tail, pred), wv);
        }
        aot_mvef_store_tile(g, a0, a1, a2, a3, px, yp, ys, n);
        return;
    }
    for (int32_t ky = kya; ky < kyb; ++ky) {
        const float *xr = xn + ((y0 + ky * g->dh) * g->w + x0 + kxa * g->dw) * ch + c;
        const float *wr = g->wt + (ky * g->kw + kxa) * ch + c;
        for (int32_t kx = kxa; kx < kxb; ++kx, xr += step, wr += ch) {
            a0 = vfmaq_f32(a0, aot_mvef_load(xr, tail, pred), aot_mvef_load(wr, tail, pred));
        }
    }
    aot_mvef_store_tile(g, a0, a1, a2, a3, 1, yp, ys, n);
}

/* Output row oy of image xn, in tiles (above), pixel ox's outputs at yr + ox * ys: all channels
 * of a conv, or (depthwise) channels c .. c + n - 1 (a block of 4; tail: n < 4). */
AOT_MVEF_INLINE void aot_mvef_row(const aot_mvef_conv_t *g, const float *xn, int32_t oy, float *yr, int32_t ys, int32_t depthwise,
                                  int32_t c, int32_t n, int32_t tail)
{
    const int32_t tile = depthwise ? AOT_MVEF_DW_PX : AOT_MVEF_CONV_PX;
    int32_t oxa, oxb;
    aot_mvef_interior(g->ow, g->w, g->sw, g->pl, g->kw, g->dw, &oxa, &oxb);
    const int32_t full = oxa + (oxb - oxa) / tile * tile;  /* the interior columns in whole tiles end here */
    const int32_t y0 = oy * g->sh - g->pt;
    int32_t kya, kyb;
    aot_mvef_taps(y0, g->kh, g->dh, g->h, &kya, &kyb);
    for (int32_t ox = 0; ox < g->ow;) {
        const int32_t x0 = ox * g->sw - g->pl, px = ox >= oxa && ox < full ? tile : 1;
        int32_t kxa, kxb;
        aot_mvef_taps(x0, g->kw, g->dw, g->w, &kxa, &kxb);
        if (px > 1 && depthwise) {
            aot_mvef_dw_block(g, xn, y0, kya, kyb, x0, 0, g->kw, AOT_MVEF_DW_PX, yr + ox * ys, ys, c, n, tail);
        } else if (px > 1) {
            aot_mvef_conv_tile(g, xn, y0, kya, kyb, x0, 0, g->kw, AOT_MVEF_CONV_PX, yr + ox * ys);
        } else if (depthwise) {
            aot_mvef_dw_block(g, xn, y0, kya, kyb, x0, kxa, kxb, 1, yr + ox * ys, ys, c, n, tail);
        } else {
            aot_mvef_conv_tile(g, xn, y0, kya, kyb, x0, kxa, kxb, 1, yr + ox * ys);
        }
        ox += px;
    }
}

/* Channels c .. c + n - 1 (a block of 4, or the last 1..3) of depthwise output row oy (above):
 * one function the plain and the in-place walks share (code size). */
static void aot_mvef_dw_row(const aot_mvef_conv_t *g, const float *xn, int32_t oy, float *yr, int32_t ys, int32_t c, int32_t n)
{
    if (n == 4) {
        aot_mvef_row(g, xn, oy, yr, ys, 1, c, 4, 0);
    } else {
        aot_mvef_row(g, xn, oy, yr, ys, 1, c, n, 1);
    }
}

/* Pixels p .. p + px - 1 of a 1x1 stride-1 convolution in place over its input xy: copied to pix
 * first, their outputs then written over them. */
AOT_MVEF_INLINE void aot_mvef_pointwise_tile(const aot_mvef_conv_t *g, float *xy, float *pix, int32_t p, int32_t px)
{
    const float *src = xy + p * g->ic;
    for (int32_t i = 0; i < px * g->ic; i += 4) {
        const mve_pred16_t in = vctp32q((uint32_t)(px * g->ic - i));
        vstrwq_p_f32(pix + i, vldrwq_z_f32(src + i, in), in);
    }
    aot_mvef_conv_tile(g, pix, 0, 0, 1, 0, 0, 1, px, xy + p * g->oc);
}

void aot_mvef_conv_in_place(const aot_mvef_conv_t *g, float *xy, float *pix, int32_t cpx)
{
    const int32_t n = g->ow, full = n / cpx * cpx;
    if (g->oc > g->ic) {  /* wider outputs: backward, a tile's outputs reach only pixels from its own on */
        for (int32_t p = n - 1; p >= full; --p) {
            aot_mvef_pointwise_tile(g, xy, pix, p, 1);
        }
        for (int32_t p = full - cpx; p >= 0; p -= cpx) {
            if (cpx > 1) {
                aot_mvef_pointwise_tile(g, xy, pix, p, AOT_MVEF_CONV_PX);
            } else {
                aot_mvef_pointwise_tile(g, xy, pix, p, 1);
            }
        }
    } else {  /* forward: a tile's outputs reach only pixels up to its own */
        for (int32_t p = 0; p < full; p += cpx) {
            if (cpx > 1) {
                aot_mvef_pointwise_tile(g, xy, pix, p, AOT_MVEF_CONV_PX);
            } else {
                aot_mvef_pointwise_tile(g, xy, pix, p, 1);
            }
        }
        for (int32_t p = full; p < n; ++p) {
            aot_mvef_pointwise_tile(g, xy, pix, p, 1);
        }
    }
}

void aot_mvef_conv(const aot_mvef_conv_t *g, const float *x, float *y)
{
    for (int32_t b = 0; b < g->n; ++b) {
        for (int32_t oy = 0; oy < g->oh; ++oy) {
            aot_mvef_row(g, x + b * g->h * g->w * g->ic, oy, y + (b * g->oh + oy) * g->ow * g->oc, g->oc, 0, 0, 0, 0);
        }
    }
}

void aot_mvef_dw(const aot_mvef_conv_t *g, const float *x, float *y)
{
    for (int32_t c = 0; c < g->ic; c += 4) {
        for (int32_t b = 0; b < g->n; ++b) {
            for (int32_t oy = 0; oy < g->oh; ++oy) {
                aot_mvef_dw_row(g, x + b * g->h * g->w * g->ic, oy, y + (b * g->oh + oy) * g->ow * g->ic + c, g->ic, c,
                                g->ic - c < 4 ? g->ic - c : 4);
            }
        }
    }
}

void aot_mvef_dw_in_place(const aot_mvef_conv_t *g, float *xy, float *ring, int32_t rows)
{
    for (int32_t c = 0; c < g->ic; c += 4) {
        const int32_t n = g->ic - c < 4 ? g->ic - c : 4;
        const mve_pred16_t p = vctp32q((uint32_t)n);
        int32_t done = 0;  /* outputs stored */
        for (int32_t oy = 0; oy < g->oh; ++oy) {
            aot_mvef_dw_row(g, xy, oy, ring + oy % rows * g->ow * 4, 4, c, n);
            const int32_t next = (oy + 1) * g->sh - g->pt;  /* no later row reads an input row before it */
            int32_t upto = (oy + 1) * g->ow;
            if (oy + 1 < g->oh && (next > 0 ? next : 0) * g->w < upto) {
                upto = (next > 0 ? next : 0) * g->w;
            }
            for (; done < upto; ++done) {
                vstrwq_p_f32(xy + done * g->ic + c, vldrwq_f32(ring + (done / g->ow % rows * g->ow + done % g->ow) * 4), p);
            }
        }
    }
}
