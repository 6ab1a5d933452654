/* The "blocked" int8 kernels, shared by every op that uses them (aot_blocked.h). Each form of
 * the channel loop (convolution or depthwise, a pair of pixels or one) is a function of its own,
 * so that GCC keeps its inner loop's accumulators, pointers and weights in registers. */
#include "aot_blocked.h"

#define AOT_BLK_INLINE static inline __attribute__((always_inline))
#define AOT_BLK_APART static __attribute__((noinline))

/* acc requantised by aot_rq's one rounding (exact where fast) and clamped: an output, narrowed
 * to int8 only as it is stored (rq, out_add, lo, hi in scope). */
#define AOT_BLK_OUT(acc, ch) aot_clamp(aot_rq((acc), &rq[ch]) + out_add, lo, hi)

/* TFLM's two roundings, where aot_rq's one is not proven equal (rare: out of line, compact):
 * channels c..c+n-1 of np pixels, accumulators a[2j] (a[2j + 1] the second pixel's). */
AOT_BLK_APART void slow(const aot_blk_t *p, int c, int n, const int32_t *a, int8_t *y0, int8_t *y1, int np)
{
    for (int j = 0; j < n; ++j) {
        for (int q = 0; q < np; ++q) {
            const int ch = c + j;
            (q ? y1 : y0)[ch] = (int8_t)aot_clamp(aot_mbqm(a[2 * j + q], p->q[2 * ch], (int)p->q[2 * ch + 1]) + p->out_add,
                                                  p->act_min, p->act_max);
        }
    }
}

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

/* The outputs of channels c..c+3 at y0 (and y1 when np == 2), each stored as it is computed
 * (the constants are locals: an int8 store, which may alias anything, reloads none of them). */
#define AOT_BLK_STORE4()                                                                      \
    do {                                                                                      \
        if (rq) {                                                                             \
            y0[c] = (int8_t)AOT_BLK_OUT(a00, c);                                              \
            y0[c + 1] = (int8_t)AOT_BLK_OUT(a10, c + 1);                                      \
            y0[c + 2] = (int8_t)AOT_BLK_OUT(a20, c + 2);                                      \
            y0[c + 3] = (int8_t)AOT_BLK_OUT(a30, c + 3);                                      \
            if (np == 2) {                                                                    \
                y1[c] = (int8_t)AOT_BLK_OUT(a01, c);                                          \
                y1[c + 1] = (int8_t)AOT_BLK_OUT(a11, c + 1);                                  \
                y1[c + 2] = (int8_t)AOT_BLK_OUT(a21, c + 2);                                  \
                y1[c + 3] = (int8_t)AOT_BLK_OUT(a31, c + 3);                                  \
            }                                                                                 \
        } else {                                                                              \
            const int32_t a[8] = {a00, a01, a10, a11, a20, a21, a30, a31};                    \
            slow(p, c, 4, a, y0, y1, np);                                                     \
        }                                                                                     \
    } while (0)

/* Channel j (of the last nr) of np pixels: accumulators a0 (a1), stored at y0[c + j] (y1). */
#define AOT_BLK_STORE1()                                                                      \
    do {                                                                                      \
        if (rq) {                                                                             \
            const int32_t o0 = AOT_BLK_OUT(a0, c + j), o1 = AOT_BLK_OUT(a1, c + j);           \
            if (np == 2) {                                                                    \
                y1[c + j] = (int8_t)o1;                                                       \
            }                                                                                 \
            y0[c + j] = (int8_t)o0;                                                           \
        } else {                                                                              \
            const int32_t a[2] = {a0, a1};                                                    \
            slow(p, c + j, 1, a, y0, y1, np);                                                 \
        }                                                                                     \
    } while (0)

/* The constants of the requantisation and the channel loop, in locals (never reloaded after a
 * store). */
#define AOT_BLK_LOCALS(p)                                                                     \
    const aot_rq_t *rq = (p)->flags & AOT_BLK_FAST ? (const aot_rq_t *)(const void *)(p)->q : 0; \
    const int32_t *b = (p)->bias;                                                             \
    const int32_t out_add = (p)->out_add, lo = (p)->act_min, hi = (p)->act_max;              \
    const int8_t *wp = (p)->w;                                                                \
    const int oc = (p)->oc

/* Every output channel of np (1 or 2) pixels whose T taps are t (t1), ic values each, written
 * at y0 (y1): blocks of four channels, then the last oc % 4 one by one. */
AOT_BLK_INLINE void conv_pixels(const aot_blk_t *p, const int8_t *const *t, const int8_t *const *t1, int T,
                                int8_t *y0, int8_t *y1, int np)
{
    AOT_BLK_LOCALS(p);
    const int ic = p->ic;
    int c = 0;
    for (; c + 4 <= oc; c += 4) {
        int32_t a00 = b[c], a01 = a00, a10 = b[c + 1], a11 = a10;
        int32_t a20 = b[c + 2], a21 = a20, a30 = b[c + 3], a31 = a30;
        for (int tt = 0; ic == 1 && tt < T; ++tt, wp += 4) {  /* one input channel (a first layer) */
            const int8_t *p0 = t[tt], *p1 = np == 2 ? t1[tt] : p0;
            AOT_BLK_MAC4(0);
        }
        for (int tt = 0; ic != 1 && tt < T; ++tt) {
            const int8_t *p0 = t[tt], *p1 = np == 2 ? t1[tt] : p0;
            const int8_t *end = p0 + (ic & ~3);
            while (p0 != end) {
                AOT_BLK_MAC4(0);
                AOT_BLK_MAC4(1);
                AOT_BLK_MAC4(2);
                AOT_BLK_MAC4(3);
                p0 += 4;
                p1 += 4;
                wp += 16;
            }
            if (ic & 2) {
                AOT_BLK_MAC4(0);
                AOT_BLK_MAC4(1);
                p0 += 2;
                p1 += 2;
                wp += 8;
            }
            if (ic & 1) {
                AOT_BLK_MAC4(0);
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
            const int8_t *p0 = t[tt], *p1 = np == 2 ? t1[tt] : p0;
            for (int i = 0; i < ic; ++i) {
                const int32_t wv = *wj;
                a0 += p0[i] * wv;
                a1 += p1[i] * wv;
                wj += nr;
            }
        }
        AOT_BLK_STORE1();
    }
}

/* Every channel of n pairs of pixels: pair k's first pixel's taps are t[tt] + o + 2kd, its
 * second's t1[tt] + o + (2k + 1)d (pointers to their channel 0), written at y + 2k ys (and one ys
 * on): blocks of four channels, tap by tap, then the last oc % 4 one by one. A lone pixel is a
 * pair of the same pixel (t1 = t, d = ys = 0: its outputs stored once). */
AOT_BLK_APART void dw2(const aot_blk_t *p, const int8_t *const *t, const int8_t *const *t1, int T,
                       int o, int d, int n, int8_t *y, int ys)
{
    const int np = ys ? 2 : 1;  /* ys 0: the pair's outputs are one pixel's, stored once */
    AOT_BLK_LOCALS(p);
    for (int k = 0; k < n; ++k, o += 2 * d, y += 2 * ys) {
        int8_t *y0 = y, *y1 = y + ys;
        const int o1 = o + d;
        int c = 0;
        wp = p->w;
        for (; c + 4 <= oc; c += 4) {
            int32_t a00 = b[c], a01 = a00, a10 = b[c + 1], a11 = a10;
            int32_t a20 = b[c + 2], a21 = a20, a30 = b[c + 3], a31 = a30;
            if (np == 2) {
                for (int tt = 0; tt < T; ++tt) {
                    const int8_t *p0 = t[tt] + o + c, *p1 = t1[tt] + o1 + c;
                    const int32_t w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];
                    a00 += p0[0] * w0; a01 += p1[0] * w0;
                    a10 += p0[1] * w1; a11 += p1[1] * w1;
                    a20 += p0[2] * w2; a21 += p1[2] * w2;
                    a30 += p0[3] * w3; a31 += p1[3] * w3;
                    wp += 4;
                }
            } else {  /* one pixel: half the loads and MACs */
                for (int tt = 0; tt < T; ++tt, wp += 4) {
                    const int8_t *p0 = t[tt] + o + c;
                    a00 += p0[0] * wp[0];
                    a10 += p0[1] * wp[1];
                    a20 += p0[2] * wp[2];
                    a30 += p0[3] * wp[3];
                }
            }
            AOT_BLK_STORE4();
        }
        const int nr = oc - c;  /* the last channels: for each tap, their nr weights side by side */
        for (int j = 0; j < nr; ++j) {
            int32_t a0 = b[c + j], a1 = a0;
            for (int tt = 0; tt < T; ++tt) {
                const int32_t wv = wp[tt * nr + j];
                a0 += t[tt][o + c + j] * wv;
                a1 += t1[tt][o1 + c + j] * wv;
            }
            AOT_BLK_STORE1();
        }
    }
}

/* One pair of pixels (walk's form of dw2). */
AOT_BLK_APART void dwpair(const aot_blk_t *p, const int8_t *const *t, const int8_t *const *t1, int T,
                          int8_t *y0, int8_t *y1)
{
    dw2(p, t, t1, T, 0, 0, 1, y0, (int)(y1 - y0));
}

AOT_BLK_APART void conv2(const aot_blk_t *p, const int8_t *const *t, const int8_t *const *t1, int T,
                         int8_t *y0, int8_t *y1)
{
    conv_pixels(p, t, t1, T, y0, y1, 2);
}

AOT_BLK_APART void conv1(const aot_blk_t *p, const int8_t *const *t, const int8_t *const *t1, int T,
                         int8_t *y0, int8_t *y1)
{
    conv_pixels(p, t, t1, T, y0, y1, 1);
}

/* t[kh * kw]: the taps of the output pixel (oy, ox) of the image at xn (C channels a pixel):
 * pointers to its input pixels, the row of zero points z in the padding; 1 when none is in the
 * padding. */
AOT_BLK_APART int taps(const aot_blk_t *p, const int8_t **t, const int8_t *xn, int oy, int ox, int C, const int8_t *z)
{
    const int h = p->h, w = p->w_, kw = p->kw, x0 = ox * p->sw - p->pl;
    int inside = 1;
    for (int ky = 0, iy = oy * p->sh - p->pt; ky < p->kh; ++ky, iy += p->dh) {
        const int in_y = (unsigned)iy < (unsigned)h;
        for (int kx = 0, ix = x0; kx < kw; ++kx, ix += p->dw) {
            const int in = in_y && (unsigned)ix < (unsigned)w;
            *t++ = in ? xn + (iy * w + ix) * C : z;
            inside &= in;
        }
    }
    return inside;
}

typedef void aot_blk_pixels(const aot_blk_t *, const int8_t *const *, const int8_t *const *, int, int8_t *, int8_t *);

/* The walk over p's pixels, two at a time (two), then an odd one (one). */
AOT_BLK_APART void walk(const aot_blk_t *p, const int8_t *x, int8_t *y, const int8_t **t, int8_t *buf,
                        aot_blk_pixels *two, aot_blk_pixels *one)
{
    const int flags = p->flags, pointwise = flags & AOT_BLK_POINTWISE, backward = flags & AOT_BLK_BACKWARD;
    const int C = p->ic, K = p->oc, ow = p->ow, P = p->oh * ow, pairs = P / 2, first = backward ? P % 2 : 0;
    const int T = pointwise ? 1 : p->kh * p->kw;
    const int8_t *in[2];  /* pointwise: each pixel's one tap */
    const int8_t **t0 = pointwise ? in : t, **t1 = pointwise ? in + 1 : t + T;
    if (flags & AOT_BLK_PADDED) {
        __builtin_memset(buf, p->zp, (unsigned)C);
    }
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
                int inside = 0;  /* the first pixel's window: inside the input */
                for (int q = 0; q < 2; ++q) {
                    if (inside && ox && ox * p->sw - p->pl + (p->kw - 1) * p->dw < p->w_) {
                        for (int i = 0; i < T; ++i) {  /* the second's, inside too: one stride on */
                            t[T + i] = t[i] + p->sw * C;
                        }
                    } else {
                        inside = taps(p, t + q * T, xn, oy, ox, C, buf);
                    }
                    if (++ox == ow) {
                        ox = 0;
                        ++oy;
                    }
                }
            }
            int8_t *yp = yn + pix * K;
            two(p, t0, t1, T, yp, yp + K);
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
                taps(p, t, xn, oy, ox, C, buf);
            }
            int8_t *yp = yn + pix * K;
            one(p, t0, t0, T, yp, yp);
        }
    }
}

void aot_blk_conv(const aot_blk_t *p, const int8_t *x, int8_t *y, const int8_t **t, int8_t *buf)
{
    walk(p, x, y, t, buf, conv2, conv1);
}

void aot_blk_dw(const aot_blk_t *p, const int8_t *x, int8_t *y, const int8_t **t, int8_t *buf)
{
    walk(p, x, y, t, buf, dwpair, dwpair);
}

void aot_blk_dw_ring(const aot_blk_t *p, const int8_t *x, int8_t *y, const int8_t **t, int8_t *buf, int8_t *ring)
{
    const int C = p->ic, h = p->h, w = p->w_, kh = p->kh, kw = p->kw, ow = p->ow, T = kh * kw, pl = p->pl;
    const int R = (kh - 1) * p->dh + 1, fast = p->flags & AOT_BLK_FAST, sw = p->sw, dw = p->dw;
    const int right = (ow - 1) * sw - pl + (kw - 1) * dw - (w - 1), W = pl + w + (right > 0 ? right : 0);
    for (int c0 = 0; c0 < C; c0 += 4) {
        aot_blk_t blk = *p;  /* the block's channels: its weights, biases and requantisation */
        const int nr = C - c0 < 4 ? C - c0 : 4;
        blk.w += c0 * T;
        blk.bias += c0;
        blk.q += c0 * (fast ? 4 : 2);
        blk.oc = (int16_t)nr;
        __builtin_memset(buf, p->zp, (unsigned)(W * nr));  /* the padding columns, and a row off the input */
        __builtin_memset(ring, p->zp, (unsigned)(R * W * nr));
        int copied = 0;
        for (int oy = 0; oy < p->oh; ++oy) {
            const int top = oy * p->sh - p->pt;
            for (; copied <= top + (kh - 1) * p->dh && copied < h; ++copied) {
                int8_t *dst = ring + ((copied % R) * W + pl) * nr;
                const int8_t *src = x + copied * w * C + c0;
                for (int px = 0; px < w; ++px, src += C) {
                    for (int j = 0; j < nr; ++j) {
                        *dst++ = src[j];
                    }
                }
            }
            for (int ky = 0, iy = top, i = 0; ky < kh; ++ky, iy += p->dh) {  /* tap (ky, kx) of column 0 */
                const int8_t *row = (unsigned)iy < (unsigned)h ? ring + (iy % R) * W * nr : buf;
                for (int kx = 0; kx < kw; ++kx) {
                    t[i++] = row + kx * dw * nr;
                }
            }
            int8_t *yr = y + oy * ow * C + c0;
            dw2(&blk, t, t, T, 0, sw * nr, ow / 2, yr, C);
            if (ow % 2) {
                dw2(&blk, t, t, T, (ow - 1) * sw * nr, 0, 1, yr + (ow - 1) * C, 0);
            }
        }
    }
}
