/* The Helium depthwise kernel of aot_mve.h (the matrix kernels are static inline there, so that
 * each call site's constant shapes fold into them). */
#include "aot_mve.h"

/* Input row iy into ring slot ``slot`` of every channel's plane (the padding columns keep zp). */
static void aot_mve_dw_fill(const aot_mve_dw_t *g, int32_t cn, const int8_t *x, int32_t iy, int32_t slot, int8_t zp,
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

void aot_mve_dw(const aot_mve_dw_t *g, int32_t c0, int32_t cn, const int8_t *x, const aot_mve_rq_t *rq, int8_t zp,
                int8_t *ring, int8_t *y)
{
    const int32_t rows = g->rows, plane = rows * g->rw, blocks = (cn + 3) / 4;
    aot_mve_set(ring, zp, blocks * 4 * plane);
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
            for (int32_t c = 0; c < cn; c += 4, q += 16) {
                const int32_t a0 = vmladavaq_s8(q[0], vldrbq_gather_offset_s8(win, taps), vldrbq_s8(w));
                const int32_t a1 = vmladavaq_s8(q[1], vldrbq_gather_offset_s8(win + plane, taps), vldrbq_s8(w + 16));
                const int32_t a2 = vmladavaq_s8(q[2], vldrbq_gather_offset_s8(win + 2 * plane, taps), vldrbq_s8(w + 32));
                const int32_t a3 = vmladavaq_s8(q[3], vldrbq_gather_offset_s8(win + 3 * plane, taps), vldrbq_s8(w + 48));
                win += 4 * plane;
                w += 64;
                aot_mve_out4(rq, aot_mve_vec4(a0, a1, a2, a3), q, y + c0 + c, cn - c);
            }
        }
    }
}
