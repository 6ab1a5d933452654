/* The Helium matrix kernels of aot_mve.h: 4 weight rows at a time against an int8 column,
 * 16 MACs per VMLADAVA, the last chunk of K tail-predicated (VCTP8: lanes past K load zeros),
 * requantisation of the four sums in vector form. */
#include "aot_mve.h"

#include <string.h>

void aot_mve_mm(const int8_t *x, const int8_t *w, int32_t k, int32_t oc, const aot_mve_rq_t *rq, int8_t *y)
{
    const int32_t *q = rq->q, out_off = rq->out_off, lo = rq->lo, hi = rq->hi;  /* locals: y may alias *rq */
    const int32_t tail = k % 16;
    const mve_pred16_t in_k = vctp8q((uint32_t)tail);
    for (int32_t c = 0; c < oc; c += 4) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        const int8_t *p = x;
        for (int32_t n = k / 16; n > 0; --n) {
            const int8x16_t v = vldrbq_s8(p);
            a0 = vmladavaq_s8(a0, v, vldrbq_s8(w));
            a1 = vmladavaq_s8(a1, v, vldrbq_s8(w + 16));
            a2 = vmladavaq_s8(a2, v, vldrbq_s8(w + 32));
            a3 = vmladavaq_s8(a3, v, vldrbq_s8(w + 48));
            p += 16;
            w += 64;
        }
        if (tail) {  /* lanes past K load zeros (the weights there are zeros too) */
            const int8x16_t v = vldrbq_z_s8(p, in_k);
            a0 = vmladavaq_s8(a0, v, vldrbq_s8(w));
            a1 = vmladavaq_s8(a1, v, vldrbq_s8(w + 16));
            a2 = vmladavaq_s8(a2, v, vldrbq_s8(w + 32));
            a3 = vmladavaq_s8(a3, v, vldrbq_s8(w + 48));
            w += 64;
        }
        aot_mve_out4(aot_mve_vec4(a0, a1, a2, a3), q, out_off, lo, hi, y + c, vctp32q((uint32_t)(oc - c)));
        q += 16;
    }
}

void aot_mve_im2col(const int8_t *x, int32_t h, int32_t w, int32_t ic, int32_t kh, int32_t kw, int32_t dh, int32_t dw,
                    int32_t y0, int32_t x0, int8_t zp, int8_t *col)
{
    const size_t row = (size_t)(kw * ic), tap = (size_t)ic;
    for (int32_t ky = 0; ky < kh; ++ky, col += row) {
        const int32_t iy = y0 + ky * dh;
        if (iy < 0 || iy >= h) {
            memset(col, zp, row);
        } else if (dw == 1 && x0 >= 0 && x0 + kw <= w) {
            memcpy(col, x + (iy * w + x0) * ic, row);
        } else {
            for (int32_t kx = 0; kx < kw; ++kx) {
                const int32_t ix = x0 + kx * dw;
                if (ix < 0 || ix >= w) {
                    memset(col + (size_t)kx * tap, zp, tap);
                } else {
                    memcpy(col + (size_t)kx * tap, x + (iy * w + ix) * ic, tap);
                }
            }
        }
    }
}
