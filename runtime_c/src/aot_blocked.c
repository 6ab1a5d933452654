/* The "blocked" int8 kernels, shared by every op that uses them (aot_blocked.h). */
#include "aot_blocked.h"

#define AOT_BLK_INLINE static inline __attribute__((always_inline))

/* TFLM's two roundings, where aot_rq's one is not proven equal (rare: kept out of line). */
static __attribute__((noinline)) int32_t mbqm(int32_t acc, const int32_t *m, const int32_t *s, int ch)
{
    return aot_mbqm(acc, m[ch], (int)s[ch]);
}

/* Requantised output of channel ch's accumulator acc (rq, m, s, out_add, lo, hi in scope). */
#define AOT_BLK_RQ(acc, ch) \
    ((int8_t)aot_clamp((rq ? aot_rq((acc), &rq[ch]) : mbqm((acc), m, s, (ch))) + out_add, lo, hi))

/* One input value of each pixel (p0[u], p1[u]) times four weights (wp[4u..4u+3]). */
#define AOT_BLK_MAC4(u)                                                                       \
    do {                                                                                      \
        const int32_t x0 = p0[u], x1 = p1[u];                                                 \
        const int32_t w0 = wp[4 * (u)], w1 = wp[4 * (u) + 1], w2 = wp[4 * (u) + 2], w3 = wp[4 * (u) + 3]; \
        a00 += x0 * w0; a01 += x1 * w0;                                                       \
        a10 += x0 * w1; a11 += x1 * w1;                                                       \
        a20 += x0 * w2; a21 += x1 * w2;                                                       \
        a30 += x0 * w3; a31 += x1 * w3;                                                       \
    } while (0)

/* The four outputs of channels c..c+3 at y0 (and y1 when np == 2), all computed before the
 * first store (an int8 store may alias anything). */
#define AOT_BLK_STORE4()                                                                      \
    do {                                                                                      \
        const int8_t o00 = AOT_BLK_RQ(a00, c), o10 = AOT_BLK_RQ(a10, c + 1);                  \
        const int8_t o20 = AOT_BLK_RQ(a20, c + 2), o30 = AOT_BLK_RQ(a30, c + 3);              \
        if (np == 2) {                                                                        \
            const int8_t o01 = AOT_BLK_RQ(a01, c), o11 = AOT_BLK_RQ(a11, c + 1);              \
            const int8_t o21 = AOT_BLK_RQ(a21, c + 2), o31 = AOT_BLK_RQ(a31, c + 3);          \
            y1[c] = o01; y1[c + 1] = o11; y1[c + 2] = o21; y1[c + 3] = o31;                   \
        }                                                                                     \
        y0[c] = o00; y0[c + 1] = o10; y0[c + 2] = o20; y0[c + 3] = o30;                       \
    } while (0)

/* The constants of the requantisation and the channel loop, in locals (never reloaded after a store). */
#define AOT_BLK_LOCALS(p)                                                                     \
    const aot_rq_t *rq = (p)->rq;                                                             \
    const int32_t *m = (p)->mult, *s = (p)->shift, *b = (p)->bias;                           \
    const int32_t out_add = (p)->out_add, lo = (p)->act_min, hi = (p)->act_max;              \
    const int8_t *wp = (p)->w

/* Every output channel of np (1 or 2) pixels whose T taps are t0 (t1), ic values each,
 * written at y0 (y1): blocks of four channels, then the last oc % 4 one by one. */
AOT_BLK_INLINE void conv_pixels(const aot_blk_t *p, const int8_t *const *t0, const int8_t *const *t1,
                                int8_t *y0, int8_t *y1, int np, int T)
{
    AOT_BLK_LOCALS(p);
    const int ic = p->ic, oc = p->oc;
    int c = 0;
    for (; c + 4 <= oc; c += 4) {
        int32_t a00 = b[c], a01 = a00, a10 = b[c + 1], a11 = a10;
        int32_t a20 = b[c + 2], a21 = a20, a30 = b[c + 3], a31 = a30;
        for (int tt = 0; tt < T; ++tt) {
            const int8_t *p0 = t0[tt], *p1 = np == 2 ? t1[tt] : p0;
            int i = ic;
            for (; i >= 4; i -= 4) {
                AOT_BLK_MAC4(0);
                AOT_BLK_MAC4(1);
                AOT_BLK_MAC4(2);
                AOT_BLK_MAC4(3);
                p0 += 4;
                p1 += 4;
                wp += 16;
            }
            for (; i > 0; --i) {
                AOT_BLK_MAC4(0);
                ++p0;
                ++p1;
                wp += 4;
            }
        }
        AOT_BLK_STORE4();
    }
    const int nr = oc - c;  /* the last channels: for each tap value, their nr weights side by side */
    for (int j = 0; j < nr; ++j) {
        int32_t a0 = b[c + j], a1 = a0;
        const int8_t *wj = wp + j;
        for (int tt = 0; tt < T; ++tt) {
            const int8_t *p0 = t0[tt], *p1 = np == 2 ? t1[tt] : p0;
            for (int i = 0; i < ic; ++i) {
                const int32_t wv = *wj;
                a0 += p0[i] * wv;
                a1 += p1[i] * wv;
                wj += nr;
            }
        }
        const int8_t o0 = AOT_BLK_RQ(a0, c + j), o1 = AOT_BLK_RQ(a1, c + j);
        if (np == 2) {
            y1[c + j] = o1;
        }
        y0[c + j] = o0;
    }
}

/* Every channel of np (1 or 2) pixels whose T taps are t0 (t1) (pointers to their channel 0),
 * written at y0 (y1): blocks of four channels, tap by tap, then the last oc % 4 one by one. */
AOT_BLK_INLINE void dw_pixels(const aot_blk_t *p, const int8_t *const *t0, const int8_t *const *t1,
                              int8_t *y0, int8_t *y1, int np, int T)
{
    AOT_BLK_LOCALS(p);
    const int oc = p->oc;
    int c = 0;
    for (; c + 4 <= oc; c += 4) {
        int32_t a00 = b[c], a01 = a00, a10 = b[c + 1], a11 = a10;
        int32_t a20 = b[c + 2], a21 = a20, a30 = b[c + 3], a31 = a30;
        for (int tt = 0; tt < T; ++tt) {
            const int8_t *p0 = t0[tt] + c, *p1 = (np == 2 ? t1[tt] : t0[tt]) + c;
            const int32_t w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];
            a00 += p0[0] * w0; a01 += p1[0] * w0;
            a10 += p0[1] * w1; a11 += p1[1] * w1;
            a20 += p0[2] * w2; a21 += p1[2] * w2;
            a30 += p0[3] * w3; a31 += p1[3] * w3;
            wp += 4;
        }
        AOT_BLK_STORE4();
    }
    const int nr = oc - c;  /* the last channels: for each tap, their nr weights side by side */
    for (int j = 0; j < nr; ++j) {
        int32_t a0 = b[c + j], a1 = a0;
        for (int tt = 0; tt < T; ++tt) {
            const int32_t wv = wp[tt * nr + j];
            a0 += t0[tt][c + j] * wv;
            a1 += (np == 2 ? t1[tt] : t0[tt])[c + j] * wv;
        }
        const int8_t o0 = AOT_BLK_RQ(a0, c + j), o1 = AOT_BLK_RQ(a1, c + j);
        if (np == 2) {
            y1[c + j] = o1;
        }
        y0[c + j] = o0;
    }
}

/* t[kh * kw]: the taps of the output pixel (oy, ox) of the image at xn (C channels a pixel):
 * pointers to its input pixels, the zero point row in the padding. */
static void taps(const aot_blk_t *p, const int8_t **t, const int8_t *xn, int oy, int ox, int C)
{
    const int h = p->h, w = p->w_, kw = p->kw, x0 = ox * p->sw - p->pl;
    for (int ky = 0, iy = oy * p->sh - p->pt; ky < p->kh; ++ky, iy += p->dh) {
        const int in_y = (unsigned)iy < (unsigned)h;
        for (int kx = 0, ix = x0; kx < kw; ++kx, ix += p->dw) {
            *t++ = in_y && (unsigned)ix < (unsigned)w ? xn + (iy * w + ix) * C : p->zrow;
        }
    }
}

/* np pixels (a pair, or one) of the walk: outputs at yp, K channels each. */
AOT_BLK_INLINE void pixels(const aot_blk_t *p, const int8_t *const *t0, const int8_t *const *t1,
                           int8_t *yp, int K, int np, int T)
{
    if (p->flags & AOT_BLK_DEPTHWISE) {
        dw_pixels(p, t0, t1, yp, yp + K, np, T);
    } else {
        conv_pixels(p, t0, t1, yp, yp + K, np, T);
    }
}

void aot_blk(const aot_blk_t *p, const int8_t *x, int8_t *y, const int8_t **t, int8_t *buf)
{
    const int flags = p->flags, pointwise = flags & AOT_BLK_POINTWISE, backward = flags & AOT_BLK_BACKWARD;
    const int C = p->ic, K = p->oc, ow = p->ow, P = p->oh * ow, pairs = P / 2, first = backward ? P % 2 : 0;
    const int T = pointwise ? 1 : p->kh * p->kw;
    const int8_t *in[2];  /* pointwise: each pixel's one tap */
    const int8_t **t0 = pointwise ? in : t, **t1 = pointwise ? in + 1 : t + T;
    for (int n = 0; n < p->n; ++n) {
        const int8_t *xn = x + n * p->h * p->w_ * C;
        int8_t *yn = y + n * P * K;
        int oy = 0, ox = 0;  /* the next pixel's (not pointwise: forward) */
        for (int k = 0; k < pairs; ++k) {
            const int pix = (backward ? pairs - 1 - k : k) * 2 + first;
            if (pointwise) {
                in[0] = xn + pix * C;
                if (flags & AOT_BLK_IN_PLACE) {
                    __builtin_memcpy(buf, in[0], (unsigned)(2 * C));
                    in[0] = buf;
                }
                in[1] = in[0] + C;
            } else {
                taps(p, t0, xn, oy, ox, C);
                if (++ox == ow) {
                    ox = 0;
                    ++oy;
                }
                taps(p, t1, xn, oy, ox, C);
                if (++ox == ow) {
                    ox = 0;
                    ++oy;
                }
            }
            pixels(p, t0, t1, yn + pix * K, K, 2, T);
        }
        if (P % 2) {
            const int pix = backward ? 0 : P - 1;
            if (pointwise) {
                in[0] = xn + pix * C;
                if (flags & AOT_BLK_IN_PLACE) {
                    __builtin_memcpy(buf, in[0], (unsigned)C);
                    in[0] = buf;
                }
            } else {
                taps(p, t0, xn, oy, ox, C);
            }
            pixels(p, t0, t0, yn + pix * K, K, 1, T);
        }
    }
}
