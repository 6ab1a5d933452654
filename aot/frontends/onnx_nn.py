"""ONNX node converters: convolution, pooling, Gemm/MatMul, BatchNormalization, Softmax and
the quantisation nodes (QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul).

Convolutions and pools read NCHW: their input is transposed to NHWC and their output back
(the layout pass removes these transposes again); 1-D ones run as 2-D with a height of one.
"""
from __future__ import annotations

import math

import numpy as np
import onnx

from aot.core.ir import Quant, Tensor
from aot.frontends.onnx_builder import Builder, Unsupported, inp
from aot.frontends.onnx_resize import RESIZE_CONVERTERS

TO_NHWC, TO_NCHW = (0, 2, 3, 1), (0, 3, 1, 2)


def _lift(b: Builder, x: str) -> str:
    """A 3-D [N, C, L] tensor as 4-D [N, C, 1, L]; 4-D ones unchanged."""
    shape = b.shape(x)
    if len(shape) == 4:
        return x
    if len(shape) != 3:
        raise Unsupported(f"only 1-D and 2-D windows are supported (input {list(shape)})")
    return b.reshape(x, (shape[0], shape[1], 1, shape[2]))


def _window(b: Builder, attrs: dict, in_hw, kernel, out_hw, ceil_ok: bool = True) -> dict:
    """stride, dilation and explicit pad (top, left, bottom, right) of a 2-D window (lifted lists)."""
    n = len(kernel)
    lift = (lambda v, one: [one] * (2 - n) + list(v)) if n < 2 else (lambda v, one: list(v))
    stride = lift(attrs.get("strides", [1] * n), 1)
    dilation = lift(attrs.get("dilations", [1] * n), 1)
    kernel = lift(kernel, 1)
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        totals = [max((math.ceil(i / s) - 1) * s + (k - 1) * d + 1 - i, 0) for i, s, k, d in zip(in_hw, stride, kernel, dilation)]
        small = [t // 2 for t in totals]
        before = small if auto == "SAME_UPPER" else [t - s for t, s in zip(totals, small)]
        after = [t - p for t, p in zip(totals, before)]
    elif auto in ("NOTSET", "VALID"):
        pads = attrs.get("pads", [0] * 2 * n) if auto == "NOTSET" else [0] * 2 * n
        before, after = lift(pads[:n], 0), lift(pads[n:], 0)
    else:
        raise Unsupported(f"auto_pad {auto!r} is not supported")
    # ceil_mode (and any rounding up of the inferred output) as extra padding at the end
    extra = [max((o - 1) * s + (k - 1) * d + 1 - (i + p0 + p1), 0)
             for o, s, k, d, i, p0, p1 in zip(out_hw, stride, kernel, dilation, in_hw, before, after)]
    if any(extra) and not ceil_ok:
        raise Unsupported("ceil_mode with count_include_pad is not supported")
    after = [a + e for a, e in zip(after, extra)]
    return {"stride": tuple(stride), "dilation": tuple(dilation), "pad": (before[0], before[1], after[0], after[1])}


def _nhwc_op(b: Builder, node, kind: str, x: str, y_nchw_shape, extra_inputs=(), **attrs) -> None:
    """Run an NHWC kernel on NCHW ``x`` (already 4-D) and write node.output[0] in NCHW."""
    n, c, h, w = y_nchw_shape
    y_nhwc = b.new(node.output[0], (n, h, w, c), b.tensors[x].dtype)
    b.emit(kind, [b.transpose(x, TO_NHWC), *extra_inputs], [y_nhwc], **attrs)
    out = node.output[0]
    if len(b.shape(out)) == 4:
        b.transpose(y_nhwc, TO_NCHW, out=out)
    else:
        b.reshape(b.transpose(y_nhwc, TO_NCHW), b.shape(out), out=out)


def _y4(b: Builder, node) -> tuple[int, int, int, int]:
    s = b.shape(node.output[0])
    return tuple(s) if len(s) == 4 else (s[0], s[1], 1, s[2])


def _conv(b: Builder, node, attrs) -> None:
    x = _lift(b, b.value(node.input[0]))
    w = node.input[1] if b.const(node.input[1]) is not None else b.value(node.input[1])
    w = _lift(b, w)
    bias = inp(node, 2)
    if bias is not None and b.const(bias) is None:
        bias = b.value(bias)
    (_, c, h, wd), (oc, icg, _, _) = b.shape(x), b.shape(w)
    y4 = _y4(b, node)
    win = _window(b, attrs, (h, wd), attrs.get("kernel_shape", b.shape(node.input[1])[2:]), y4[2:])
    group = attrs.get("group", 1)
    if group > 1 and group == c and icg == 1:
        weights = b.transpose(w, (1, 2, 3, 0))  # [OC, 1, KH, KW] -> [1, KH, KW, OC]
        _nhwc_op(b, node, "depthwise_conv2d", x, y4, [weights, bias], **win, activation="NONE", depth_multiplier=oc // c)
    else:
        _nhwc_op(b, node, "conv2d", x, y4, [b.transpose(w, TO_NHWC), bias], **win, activation="NONE")


def _conv_transpose(b: Builder, node, attrs) -> None:
    """transpose_conv2d: ONNX weights [IC, OC, KH, KW] as [OC, KH, KW, IC]; the output starts
    ``pad_begin`` into the full scatter (from pads, or from output_shape / auto_pad as onnxruntime)."""
    if attrs.get("group", 1) != 1:
        raise Unsupported("grouped ConvTranspose (group > 1) is not supported")
    if any(d != 1 for d in attrs.get("dilations", [])):
        raise Unsupported("dilated ConvTranspose is not supported")
    x = _lift(b, b.value(node.input[0]))
    w = _lift(b, node.input[1] if b.const(node.input[1]) is not None else b.value(node.input[1]))
    bias = inp(node, 2)
    if bias is not None and not _constant_weights(b, bias):
        raise Unsupported(f"the bias ({bias!r}) must be a constant")
    bias = bias if bias is None or b.const(bias) is not None else b.value(bias)
    (_, _, h, wd), (_, _, kh, kw), y4 = b.shape(x), b.shape(w), _y4(b, node)
    n = len(b.shape(node.input[0])) - 2
    lift = (lambda v, one: [one] * (2 - n) + [int(i) for i in v])
    stride, out_pad = lift(attrs.get("strides", [1] * n), 1), lift(attrs.get("output_padding", [0] * n), 0)
    auto = attrs.get("auto_pad", "NOTSET")
    if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        raise Unsupported(f"auto_pad {auto!r} is not supported")
    if auto == "NOTSET" and "output_shape" not in attrs:
        crop = lift(attrs.get("pads", [0] * 2 * n)[:n], 0)
    elif auto == "VALID":
        crop = [0, 0]
    else:  # the full scatter cut down to the output, the odd one at the start but for SAME_UPPER
        totals = [s * (i - 1) + p + k - o for s, i, p, k, o in zip(stride, (h, wd), out_pad, (kh, kw), y4[2:])]
        if min(totals) < 0:  # onnxruntime refuses such an output_shape too
            raise Unsupported(f"output_shape {list(y4[2:])} is larger than the full output")
        crop = [t // 2 if auto == "SAME_UPPER" else t - t // 2 for t in totals]
    weights = b.transpose(w, (1, 2, 3, 0))
    _nhwc_op(b, node, "transpose_conv2d", x, y4, [weights, bias], stride=tuple(stride), crop=tuple(crop), activation="NONE")


def _pool(b: Builder, node, attrs) -> None:
    if len([o for o in node.output if o]) > 1:
        raise Unsupported("the Indices output of MaxPool is not supported")
    if any(d != 1 for d in attrs.get("dilations", [])):
        raise Unsupported("dilated pooling is not supported")
    x = _lift(b, b.value(node.input[0]))
    y4 = _y4(b, node)
    include = bool(attrs.get("count_include_pad", 0))
    kernel = attrs["kernel_shape"]
    win = _window(b, attrs, b.shape(x)[2:], kernel, y4[2:], ceil_ok=not include)
    kernel = ([1] if len(kernel) == 1 else []) + list(kernel)
    kind = "max_pool2d" if node.op_type == "MaxPool" else "average_pool2d"
    extra = {"count_include_pad": True} if include and kind == "average_pool2d" else {}
    _nhwc_op(b, node, kind, x, y4, filter=tuple(kernel), stride=win["stride"], pad=win["pad"], activation="NONE", **extra)


def _global_pool(b: Builder, node, attrs) -> None:
    x = _lift(b, b.value(node.input[0]))
    _, _, h, w = b.shape(x)
    kind = "max_pool2d" if node.op_type == "GlobalMaxPool" else "average_pool2d"
    _nhwc_op(b, node, kind, x, _y4(b, node), filter=(h, w), stride=(1, 1), pad=(0, 0, 0, 0), activation="NONE")


def _weight(b: Builder, name: str, transposed: bool) -> str:
    """A [N, K] fully-connected weight from an ONNX [K, N] (or already [N, K]) tensor."""
    w = name if b.const(name) is not None else b.value(name)
    if len(b.shape(w)) != 2:
        raise Unsupported(f"weights of shape {list(b.shape(w))} are not supported (2-D only)")
    return w if transposed else b.transpose(w, (1, 0))


def _gemm(b: Builder, node, attrs) -> None:
    a = b.value(node.input[0])
    if attrs.get("transA"):
        a = b.transpose(a, (1, 0))
    w = _weight(b, node.input[1], bool(attrs.get("transB")))
    alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
    if alpha != 1.0:
        if b.const(w) is None:
            raise Unsupported("alpha != 1 needs constant weights")
        w = b.add_const(b.fresh(w), (b.const(w) * np.float32(alpha)).astype(np.float32))
    n = b.shape(w)[0]
    y = node.output[0]
    c = inp(node, 2)
    bias, late = None, None
    if c is not None and b.const(c) is not None and b.const(c).size in (1, n) and b.shape(c)[-1:] in ((1,), (n,)):
        bias = b.add_const(b.fresh(c), np.broadcast_to(b.const(c).astype(np.float32).reshape(-1) * np.float32(beta), (n,)).copy())
    elif c is not None and b.shape(c) in ((n,), (1, n)) and beta == 1.0:
        bias = b.value(c) if b.shape(c) == (n,) else b.reshape(b.value(c), (n,))
    elif c is not None:
        if beta != 1.0 and b.const(c) is None:
            raise Unsupported("beta != 1 needs a constant C")
        late = c if b.const(c) is None else b.add_const(b.fresh(c), b.const(c) * np.float32(beta))
    if late is None:
        b.emit("fully_connected", [a, w, bias], [b.value(y)], activation="NONE")
        return
    t = b.new(y, b.shape(y), "float32")
    b.emit("fully_connected", [a, w, None], [t], activation="NONE")
    b.emit("add", [t, late if b.const(late) is not None else b.value(late)], [b.value(y)], activation="NONE")


def _constant_weights(b: Builder, name: str) -> bool:
    """A constant, or a constant's DequantizeLinear (QDQ weights)."""
    return b.const(name) is not None or any(
        op.kind == "dequantize" and op.outputs == [name] and b.const(op.inputs[0]) is not None for op in b.ops)


def _matmul(b: Builder, node, attrs) -> None:
    """fully_connected for 2-D constant weights; else batch_matmul (1-D operands as ONNX / NumPy:
    a row vector on the left, a column on the right, the unit axis dropped from the output)."""
    a, w, y = b.value(node.input[0]), node.input[1], node.output[0]
    if len(b.shape(w)) == 2 and _constant_weights(b, w):
        b.emit("fully_connected", [a, _weight(b, w, False), None], [b.value(y)], activation="NONE")
        return
    w = w if b.const(w) is not None else b.value(w)
    ra, rw = len(b.shape(a)), len(b.shape(w))
    if max(ra, rw) > 5:
        raise Unsupported(f"operands of rank {ra} and {rw}: ranks up to 5 are supported")
    a = b.reshape(a, (1, *b.shape(a))) if ra == 1 else a
    w = b.reshape(w, (*b.shape(w), 1)) if rw == 1 else w
    if ra > 1 and rw > 1:
        b.emit("batch_matmul", [a, w], [b.value(y)], adj_x=False, adj_y=False)
        return
    shape = np.broadcast_shapes(b.shape(a)[:-2], b.shape(w)[:-2]) + (b.shape(a)[-2], b.shape(w)[-1])
    t = b.new(y, shape, b.dtype(a))
    b.emit("batch_matmul", [a, w], [t], adj_x=False, adj_y=False)
    b.reshape(t, b.shape(y), out=y)


def _batchnorm(b: Builder, node, attrs) -> None:
    if len([o for o in node.output if o]) > 1 or attrs.get("training_mode"):
        raise Unsupported("training mode (running statistics outputs) is not supported")
    if not attrs.get("spatial", 1):
        raise Unsupported("spatial=0 is not supported")
    x = b.value(node.input[0])
    scale, bias, mean, var = (b.require_const(n, what).astype(np.float64) for n, what in zip(node.input[1:5], ("scale", "B", "mean", "var")))
    mul = scale / np.sqrt(var + attrs.get("epsilon", 1e-5))
    shape = (-1,) + (1,) * (len(b.shape(x)) - 2)
    s = b.add_const(b.fresh("bn_scale"), mul.astype(np.float32).reshape(shape))
    t = b.add_const(b.fresh("bn_shift"), (bias - mean * mul).astype(np.float32).reshape(shape))
    m = b.new(node.output[0], b.shape(x), "float32")
    b.emit("binary", [x, s], [m], fn="mul")
    b.emit("add", [m, t], [b.value(node.output[0])], activation="NONE")


def _softmax(b: Builder, node, attrs) -> None:
    x = b.value(node.input[0])
    shape = b.shape(x)
    rank = len(shape)
    axis = attrs.get("axis", 1 if b.opset < 13 else -1) % max(rank, 1)
    y = node.output[0]
    if axis == rank - 1:
        b.unary("softmax", x, None, y, beta=1.0)
    elif b.opset < 13:  # softmax over the flattened trailing axes
        flat = b.reshape(x, (int(np.prod(shape[:axis])), int(np.prod(shape[axis:]))))
        b.reshape(b.unary("softmax", flat, b.shape(flat), beta=1.0), shape, out=y)
    else:
        perm = [a for a in range(rank) if a != axis] + [axis]
        moved = b.transpose(x, perm)
        b.transpose(b.unary("softmax", moved, b.shape(moved), beta=1.0), list(np.argsort(perm)), out=y)


# -- quantisation ----------------------------------------------------------------------------------
def _qparams(b: Builder, node, dtype: str, const_axis: int | None = None) -> tuple[str, Quant]:
    """Our dtype and Quant for an ONNX (scale, zero point) pair. uint8 inside the graph becomes
    int8 with the zero point moved by -128 (the same real values)."""
    scale = b.require_const(node.input[1], "scale").astype(np.float32)
    zp = b.require_const(inp(node, 2), "zero point") if inp(node, 2) else np.zeros(scale.shape, np.int64)
    if dtype not in ("int8", "uint8", "int32"):
        raise Unsupported(f"{dtype} quantisation is not supported (int8, uint8)")
    axis = None
    if scale.size > 1:
        if const_axis is None:
            raise Unsupported("per-axis quantisation of activations is not supported")
        axis = const_axis
    zp = zp.astype(np.int64).reshape(-1)
    if dtype == "uint8":
        return "int8", Quant(scale.reshape(-1), zp - 128, axis)
    return dtype, Quant(scale.reshape(-1), zp, axis)


def _quantize(b: Builder, node, attrs) -> None:
    if attrs.get("block_size"):
        raise Unsupported("blocked quantisation is not supported")
    x = b.value(node.input[0])
    out = node.output[0]
    onnx_dtype = b.dtype(inp(node, 2)) if inp(node, 2) else {0: "uint8", 3: "int8", 2: "uint8"}.get(attrs.get("output_dtype", 0), "?")
    dtype, quant = _qparams(b, node, onnx_dtype)
    if onnx_dtype == "uint8" and out in [o.name for o in b.graph.output]:
        dtype, quant = "uint8", Quant(quant.scale, quant.zero_point + 128)
    b.tensors[out] = Tensor(out, b.shape(x), dtype, quant)
    b.emit("quantize", [x], [out])


def _dequantize(b: Builder, node, attrs) -> None:
    if attrs.get("block_size"):
        raise Unsupported("blocked quantisation is not supported")
    x = node.input[0]
    data = b.const(x)
    if data is not None:
        axis = attrs.get("axis", 1) % max(1, data.ndim)
        dtype, quant = _qparams(b, node, b.dtype(x), const_axis=axis)
        values = data.astype(np.int64) - (128 if b.dtype(x) == "uint8" else 0)
        x = b.add_const(b.fresh(x), values.astype(dtype), quant)
        if b.infos.get(node.output[0], (None,))[0] is None:  # shape inference may skip these
            b.infos[node.output[0]] = (data.shape, "float32")
    else:
        t = b.tensors[b.value(x)]
        dtype, quant = _qparams(b, node, t.dtype)
        if t.dtype == "uint8":  # a uint8 graph input keeps its type
            quant = Quant(quant.scale, quant.zero_point + 128)
        if t.quant is None:
            t.quant = quant
        elif t.quant.to_json() != quant.to_json():
            raise Unsupported("the input was quantised with other parameters than it is dequantised with")
    b.emit("dequantize", [x], [b.value(node.output[0])])


def _synthetic(b: Builder, op_type: str, inputs, shape, **attrs) -> str:
    """Convert a node made up here (the float core of a QLinear* node); returns its output."""
    out = b.fresh(op_type.lower())
    b.infos[out] = (tuple(shape), "float32")
    b.convert(onnx.helper.make_node(op_type, list(inputs), [out], **attrs))
    return out


def _qlinear(b: Builder, node, attrs) -> None:
    """QLinearConv / QLinearMatMul as DequantizeLinear -> float op -> QuantizeLinear (the QDQ
    pass then folds them into one int8 kernel)."""
    ins = list(node.input) + [""] * (9 - len(node.input))
    x, xs, xz, w, ws, wz, ys, yz = ins[:8]
    dq_x = _synthetic(b, "DequantizeLinear", [x, xs, xz], b.shape(x))
    dq_w = _synthetic(b, "DequantizeLinear", [w, ws, wz], b.shape(w), axis=0)
    core = [dq_x, dq_w]
    if node.op_type == "QLinearConv" and ins[8]:
        bias_scale = b.add_const(b.fresh("bias_scale"), (b.require_const(xs, "x_scale") * b.require_const(ws, "w_scale")).astype(np.float32).reshape(-1))
        core.append(_synthetic(b, "DequantizeLinear", [ins[8], bias_scale], b.shape(ins[8]), axis=0))
    kind = "Conv" if node.op_type == "QLinearConv" else "MatMul"
    y = _synthetic(b, kind, core, b.shape(node.output[0]), **attrs)
    b.convert(onnx.helper.make_node("QuantizeLinear", [y, ys, yz], [node.output[0]]))


_CONV_ATTRS = ("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")
_POOL_ATTRS = ("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides", "storage_order", "count_include_pad")
NN_CONVERTERS = {
    "Conv": (_conv, _CONV_ATTRS), "ConvTranspose": (_conv_transpose, _CONV_ATTRS + ("output_padding", "output_shape")), "QLinearConv": (_qlinear, _CONV_ATTRS), "QLinearMatMul": (_qlinear, ()),
    "MaxPool": (_pool, _POOL_ATTRS), "AveragePool": (_pool, _POOL_ATTRS),
    "GlobalAveragePool": (_global_pool, ()), "GlobalMaxPool": (_global_pool, ()),
    "Gemm": (_gemm, ("alpha", "beta", "transA", "transB")), "MatMul": (_matmul, ()),
    "BatchNormalization": (_batchnorm, ("epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs")),
    "Softmax": (_softmax, ("axis",)),
    "QuantizeLinear": (_quantize, ("axis", "saturate", "block_size", "output_dtype", "precision")),
    "DequantizeLinear": (_dequantize, ("axis", "block_size", "output_dtype")),
    **RESIZE_CONVERTERS,
}
