"""TRANSPOSE_CONV (NHWC, no dilation): every input pixel scatters x[b, iy, ix, :] . w[oc, fy, fx, :]
onto y[b, iy * sh - crop_top + fy, ix * sw - crop_left + fx, oc] (positions inside the output only),
then + bias; weights [OC, KH, KW, IC].

int8 as TFLM's reference_integer_ops::TransposeConv: (x - x_zp) * w summed in int32 (the weight zero
point is not subtracted: weights symmetric), + bias, per-channel MultiplyByQuantizedMultiplier with
the scales multiplied in double (PopulateConvolutionQuantizationParams), + output zero point,
clamped to int8 (TFLM applies no fused activation to int8). int16 (16x8) as TFLM's int16 kernel:
int64 sums and bias (int64 only), the int64 MultiplyByQuantizedMultiplier, clamped to int16.

attrs: stride (sh, sw), crop (top, left): where the output starts in the full scatter, the pad TFLite
computes for a conv from the output's size.
"""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops import conv_common
from aot.ops.traits import OpTraits

TRAITS = OpTraits(weight_channel_axis=0)


def check(op: Op, g: Graph) -> list[str]:
    problems = conv_common.check_dtypes(op, g, int16_biases=("int64",))
    x, w, y = g.tensor(op.inputs[0]), g.tensor(op.inputs[1]), g.tensor(op.outputs[0])
    if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4 or w.shape[3] != x.shape[3] \
            or (y.shape[0], y.shape[3]) != (x.shape[0], w.shape[0]):
        problems.append(f"input {list(x.shape)}, weights {list(w.shape)} and output {list(y.shape)} "
                        "are not NHWC, [OC, KH, KW, IC] and NHWC")
    elif w.quant is not None and (w.quant.zero_point.any() or not (w.quant.per_tensor or w.quant.axis == 0)):
        problems.append("int8 weights must be symmetric, per-tensor or per output channel")
    return problems


def macs(op: Op, g: Graph) -> int:
    oc, kh, kw, ic = g.tensor(op.inputs[1]).shape
    return g.tensor(op.inputs[0]).size * oc * kh * kw


def _scatter(x: np.ndarray, w: np.ndarray, op: Op, out_shape) -> np.ndarray:
    """The scattered sums over the output (x, w already offset; int64 or float64)."""
    n, h, wd, _ = x.shape
    oc, kh, kw, _ = w.shape
    (sh, sw), (top, left) = op.attrs["stride"], op.attrs["crop"]
    oh, ow = out_shape[1:3]
    full = np.zeros((n, max((h - 1) * sh + kh, top + oh), max((wd - 1) * sw + kw, left + ow), oc), x.dtype)
    for fy in range(kh):
        for fx in range(kw):
            full[:, fy:fy + (h - 1) * sh + 1:sh, fx:fx + (wd - 1) * sw + 1:sw] += x @ w[:, fy, fx, :].T
    return full[:, top:top + oh, left:left + ow]


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, w, y = inputs[0], g.tensor(op.inputs[1]).data, g.tensor(op.outputs[0])
    oc = w.shape[0]
    if x.dtype == np.float32:
        acc = _scatter(x.astype(np.float64), w.astype(np.float64), op, y.shape) + conv_common.bias_of(op, g, oc, np.float64)
        return [quant.float_clamp(acc, op.attrs["activation"])]
    stage = conv_common.output_stage(op, g)
    acc = _scatter(x.astype(np.int64) + stage.input_offset, w.astype(np.int64), op, y.shape)
    acc += conv_common.bias_of(op, g, oc, np.int64)
    return [conv_common.requantize(op, g, acc, stage)]
