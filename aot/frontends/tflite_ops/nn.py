"""TFLite convolution, transpose convolution, fully-connected, matmul, pooling, ADD, SOFTMAX, resize and L2
normalisation converters."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import BOTH, FLOAT, INT16, Reader, Unsupported
from aot.ops.window import same_or_valid


def _conv2d(r: Reader, op, ins):
    o = r.options(op, tflite.Conv2DOptions)
    w = r.shapes[ins[1]]
    win = r.window(o, ins, w[1:3], (o.DilationHFactor(), o.DilationWFactor()))
    del win["out_hw"]
    return "conv2d", {**win, "activation": r.activation(o)}, ins[:3]


def _depthwise_conv2d(r: Reader, op, ins):
    o = r.options(op, tflite.DepthwiseConv2DOptions)
    w, x = r.shapes[ins[1]], r.shapes[ins[0]]
    win = r.window(o, ins, w[1:3], (o.DilationHFactor(), o.DilationWFactor()))
    del win["out_hw"]
    multiplier = w[3] // x[3] if len(x) == 4 and x[3] else 1  # the option is unreliable in old models
    return "depthwise_conv2d", {**win, "activation": r.activation(o), "depth_multiplier": multiplier}, ins[:3]


def _transpose_conv(r: Reader, op, ins):
    """Inputs (output_shape, weights, x, optional bias) onto transpose_conv2d (x, weights, bias)."""
    o = r.options(op, tflite.TransposeConvOptions)
    if r.activation(o) != "NONE":
        raise Unsupported("a fused activation on TRANSPOSE_CONV is not supported (TFLM ignores it for int8)")
    if o.Padding() not in (0, 1):
        raise Unsupported("needs SAME or VALID padding")
    y, w = r.shapes[r.outs(op)[0]], r.shapes[ins[1]]
    size = r.const(ins, 0, "output_shape").reshape(-1)
    if len(y) != 4 or len(w) != 4 or tuple(int(s) for s in size) != tuple(y):
        raise Unsupported(f"output_shape {size.tolist()} is not the output's shape {list(y)}")
    stride, padding = (o.StrideH(), o.StrideW()), ("SAME", "VALID")[o.Padding()]
    crop = tuple(same_or_valid(padding, y[1 + a], w[1 + a], stride[a])[1] for a in (0, 1))
    bias = ins[3] if len(ins) > 3 else None
    return "transpose_conv2d", {"stride": stride, "crop": crop, "activation": "NONE"}, [ins[2], ins[1], bias]


def _fully_connected(r: Reader, op, ins):
    o = r.options(op, tflite.FullyConnectedOptions)
    if o.WeightsFormat() != 0:
        raise Unsupported("shuffled weights format is not supported")
    return "fully_connected", {"activation": r.activation(o)}, ins[:3]


def _batch_matmul(r: Reader, op, ins):
    o = r.options(op, tflite.BatchMatMulOptions)
    return "batch_matmul", {"adj_x": bool(o.AdjX()), "adj_y": bool(o.AdjY())}, ins[:2]


def _pool(kind):
    def convert(r: Reader, op, ins):
        o = r.options(op, tflite.Pool2DOptions)
        kernel = (o.FilterHeight(), o.FilterWidth())
        win = r.window(o, ins, kernel, (1, 1))
        return kind, {"filter": kernel, "stride": win["stride"], "pad": win["pad"], "activation": r.activation(o)}, ins[:1]

    return convert


def _add(r: Reader, op, ins):
    o = r.options(op, tflite.AddOptions)
    return "add", {"activation": r.activation(o)}, ins[:2]


def _softmax(r: Reader, op, ins):
    o = r.options(op, tflite.SoftmaxOptions)
    return "softmax", {"beta": float(o.Beta()) if op.BuiltinOptions() is not None else 1.0}, ins[:1]


def _l2_normalization(r: Reader, op, ins):
    if r.activation(r.options(op, tflite.L2NormOptions)) != "NONE":
        raise Unsupported("a fused activation on L2_NORMALIZATION is not supported (nor by TFLite Micro)")
    return "l2_normalization", {}, ins[:1]


def _resize(kind, options):
    def convert(r: Reader, op, ins):
        o = r.options(op, options)
        size = r.const(ins, 1, "size").reshape(-1)
        y = r.shapes[r.outs(op)[0]]
        if size.size != 2 or len(y) != 4 or tuple(int(s) for s in size) != tuple(y[1:3]):
            raise Unsupported(f"size {size.tolist()} does not give the output shape {list(y)}")
        return kind, {"align_corners": bool(o.AlignCorners()), "half_pixel_centers": bool(o.HalfPixelCenters())}, ins[:1]

    return convert


CONVERTERS = {
    "CONV_2D": (_conv2d, BOTH + INT16),
    "DEPTHWISE_CONV_2D": (_depthwise_conv2d, BOTH + INT16),
    "TRANSPOSE_CONV": (_transpose_conv, BOTH + INT16),
    "FULLY_CONNECTED": (_fully_connected, BOTH + INT16),
    "BATCH_MATMUL": (_batch_matmul, BOTH),
    "AVERAGE_POOL_2D": (_pool("average_pool2d"), BOTH + INT16),
    "MAX_POOL_2D": (_pool("max_pool2d"), BOTH + INT16),
    "L2_POOL_2D": (_pool("l2_pool2d"), FLOAT),
    "L2_NORMALIZATION": (_l2_normalization, BOTH),
    "ADD": (_add, BOTH + INT16),
    "SOFTMAX": (_softmax, BOTH + INT16),
    "RESIZE_NEAREST_NEIGHBOR": (_resize("resize_nearest", tflite.ResizeNearestNeighborOptions), BOTH + INT16),
    "RESIZE_BILINEAR": (_resize("resize_bilinear", tflite.ResizeBilinearOptions), BOTH),
}
