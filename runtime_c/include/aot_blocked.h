/* The "blocked" int8 kernels (codegen_c/blocked.py) for cores without SIMD instructions (RISC-V
 * rv32imac, Cortex-M3, the host): CONV_2D, FULLY_CONNECTED and DEPTHWISE_CONV_2D (depth
 * multiplier 1) as functions shared by every op, compiled once in aot_blocked.c; each op's
 * function in model.c passes a const record of its shapes and constant arrays and the stack
 * arrays its shapes size (tap tables, the in-place copy of two input pixels).
 *
 * Register blocking: four output channels x two output pixels of int32 accumulators (the last
 * OC % 4 channels and an odd last pixel in blocks of their own). Done at compile time: the input
 * offset folded into the bias (a tap in the padding reads the zero point row, which contributes
 * nothing), the weights stored in the order the loops read them (per block of four channels,
 * the four weights of each tap value side by side; then the last OC % 4 channels the same way).
 * Requantisation: aot_rq's one rounding where codegen_c/dsp.py fast_requant proves it equal to
 * TFLM's two (rq set), else TFLM's aot_mbqm (mult, shift). */
#ifndef AOT_BLOCKED_H
#define AOT_BLOCKED_H

#include <stdint.h>

#include "aot_fixedpoint.h"

enum {
    AOT_BLK_POINTWISE = 1, /* 1x1, stride 1, no padding: pixel p reads input pixel p only */
    AOT_BLK_IN_PLACE = 2,  /* pointwise writing over its input: each pair of input pixels copied first */
    AOT_BLK_BACKWARD = 4,  /* in place with more outputs than inputs per pixel: from the last pixel */
    AOT_BLK_PADDED = 8,   /* some tap falls in the padding: it reads a row of ic zero points */
    AOT_BLK_FAST = 16      /* q is an aot_rq_t per channel (output offset folded in), else each
                              channel's multiplier and shift for aot_mbqm */
};

typedef struct {
    const int8_t *w;       /* weights in the order read */
    const int32_t *bias;   /* bias + input offset * weight sum, per output channel */
    const int32_t *q;      /* requantisation constants (AOT_BLK_FAST) */
    int16_t out_add, act_min, act_max, zp;
    int16_t n, h, w_, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, flags;
} aot_blk_t;

/* CONV_2D / FULLY_CONNECTED over p's n images: t has room for 2 * kh * kw tap pointers (0 when
 * pointwise), buf for 2 * ic bytes (AOT_BLK_IN_PLACE) or ic bytes (AOT_BLK_PADDED: the row of
 * zero points), else 0. */
void aot_blk_conv(const aot_blk_t *p, const int8_t *x, int8_t *y, const int8_t **t, int8_t *buf);

/* DEPTHWISE_CONV_2D, depth multiplier 1 (ic == oc), out of place: t and buf as aot_blk_conv's. */
void aot_blk_dw(const aot_blk_t *p, const int8_t *x, int8_t *y, const int8_t **t, int8_t *buf);

/* The same in place (one image, y over x): block by block of four channels (whose outputs
 * overwrite only that block's inputs), output row by output row, the input rows the windows
 * reach first copied (each once, before any output overwrites it: codegen_c/blocked.py
 * ring_in_place) to ring, (kh - 1) * dh + 1 rows of pl + w + pr pixels of the block's channels
 * (pl, pr: the columns of zero points the windows reach left and right of the input, so that
 * every window lies inside a ring row: one tap table per output row); t as aot_blk_conv's, buf
 * for (pl + w + pr) * min(ic, 4) bytes (a row of zero points). */
void aot_blk_dw_ring(const aot_blk_t *p, const int8_t *x, int8_t *y, const int8_t **t, int8_t *buf, int8_t *ring);

#endif
