/* float32 convolutions for Cortex-M cores with Helium's float lanes (MVE-F: the Cortex-M55 built
 * with -mcpu=cortex-m55 -mfloat-abi=hard): one shared function per kernel family (aot_mvef.c),
 * each op a static const geometry (templates/ops/conv2d_mvef.c.j2, codegen_c/mvef.py).
 *
 * Rounding: each lane is one output's chain of fused multiply-adds (VFMA.F32, one rounding per
 * tap) in the portable kernel's order (bias first, then ky, kx, ic), as the fpu kernels'
 * fmaf chains: the same bound, codegen_c/fpu.py. */
#ifndef AOT_MVEF_H
#define AOT_MVEF_H

#include <math.h>  /* INFINITY: no activation bound on that side */
#include <stddef.h>  /* NULL: a conv has no tap offsets */
#include <stdint.h>

/* A convolution's geometry and constants. */
typedef struct {
    int32_t n, h, w, ic;         /* input, NHWC */
    int32_t oh, ow, oc;          /* output (a depthwise convolution's oc == ic) */
    int32_t kh, kw, sh, sw, dh, dw, pt, pl;
    const float *wt;             /* conv: [oc / 4 blocks][kh][kw][ic][4] (zeros past oc); depthwise: [kh][kw][ic] */
    const float *bias;           /* [oc rounded up to 4], zeros past oc (and for no bias) */
    const int32_t *toff;         /* depthwise: [kh * kw] tap (ky, kx)'s offset from the window's corner, (ky * dh * w + kx * dw) * ic; conv: NULL */
    float lo, hi;                /* the activation range (+-INFINITY: none) */
} aot_mvef_conv_t;

/* CONV_2D, one group: 4 output channels (a vector) x 4 output pixels of accumulators, each tap
 * one VFMA.F32 of the 4 channels' weights by a pixel's input value; the last 1..3 channels
 * stored predicated (VCTP32). */
void aot_mvef_conv(const aot_mvef_conv_t *g, const float *x, float *y);

/* A 1x1 stride-1 unpadded CONV_2D (its pixels one row: w = ow = pixels) in place over its input
 * xy: tiles of cpx pixels (AOT_MVEF_CONV_PX, or 1) copied to pix (cpx * ic floats) before their
 * outputs are written, walking backward when the outputs are wider than the inputs. */
void aot_mvef_conv_in_place(const aot_mvef_conv_t *g, float *xy, float *pix, int32_t cpx);

/* DEPTHWISE_CONV_2D, depth multiplier 1, a block of 4 channels at a time: 4 channels (a vector of
 * the input) x 4 output pixels of accumulators, each tap one VFMA.F32 of input by weights; the last 1..3 channels loaded and
 * stored predicated. */
void aot_mvef_dw(const aot_mvef_conv_t *g, const float *x, float *y);

/* DEPTHWISE_CONV_2D of one image in place over its input xy: the channel blocks one at a time,
 * each output row into ring slot oy % rows (rows x ow x 4 floats), a held-back output stored once
 * no later output row reads the input it replaces (codegen_c/mvef.py: dw_ring_rows). */
void aot_mvef_dw_in_place(const aot_mvef_conv_t *g, float *xy, float *ring, int32_t rows);

#endif
