"""ONNX node converters: convolution, ConvTranspose, pooling, Gemm/MatMul, BatchNormalization and
Softmax; with the quantisation nodes (aot/frontends/onnx_quant.py) and Resize / Upsample
(aot/frontends/onnx_resize.py) they make NN_CONVERTERS.

Convolutions and pools read NCHW: their input is transposed to NHWC and their output back
(the layout pass removes these transposes again); 1-D ones run as 2-D with a height of one.
"""
from __future__ import annotations

import math

import numpy as np

from aot.frontends.onnx_builder import Builder, Unsupported, inp
from aot.frontends.onnx_quant import CONV_ATTRS, QUANT_CONVERTERS
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
    for what, values in (("kernel_shape", kernel), ("strides", attrs.get("strides", [1] * n)),
                         ("dilations", attrs.get("dilations", [1] * n))):
        if not 1 <= len(values) <= 2 or len(values) != n or min(values) <= 0:
            raise Unsupported(f"{what} {list(values)}: a 1-D or 2-D window needs {n or '1 or 2'} values, each > 0")
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


def _spread(w: np.ndarray, group: int, dilation) -> np.ndarray:
    """Grouped, dilated [IC, OC / group, KH, KW] weights as plain ones: zero taps between the
    dilated ones and zero weights between the groups (the same sums)."""
    ic, ocg, kh, kw = w.shape
    dh, dw = dilation
    out = np.zeros((ic, ocg * group, (kh - 1) * dh + 1, (kw - 1) * dw + 1), w.dtype)
    icg = ic // group
    for g in range(group):
        out[g * icg:(g + 1) * icg, g * ocg:(g + 1) * ocg, ::dh, ::dw] = w[g * icg:(g + 1) * icg]
    return out


def _conv_transpose(b: Builder, node, attrs) -> None:
    """transpose_conv2d: ONNX weights [IC, OC, KH, KW] as [OC, KH, KW, IC] (grouped or dilated
    constant weights spread out to plain ones); the output starts ``pad_begin`` into the full
    scatter (from pads, or from output_shape / auto_pad as onnxruntime)."""
    n = len(b.shape(node.input[0])) - 2
    lift = (lambda v, one: [one] * (2 - n) + [int(i) for i in v])
    x = _lift(b, b.value(node.input[0]))
    w = _lift(b, node.input[1] if b.const(node.input[1]) is not None else b.value(node.input[1]))
    group, dilation = attrs.get("group", 1), lift(attrs.get("dilations", [1] * n), 1)
    if group != 1 or dilation != [1, 1]:
        if b.const(w) is None:
            raise Unsupported("a grouped or dilated ConvTranspose needs constant float weights")
        w = b.add_const(b.fresh(w), _spread(b.const(w), group, dilation))
    bias = inp(node, 2)
    if bias is not None and not _constant_weights(b, bias):
        raise Unsupported(f"the bias ({bias!r}) must be a constant")
    bias = bias if bias is None or b.const(bias) is not None else b.value(bias)
    (_, _, h, wd), (_, _, kh, kw), y4 = b.shape(x), b.shape(w), _y4(b, node)
    stride, out_pad = lift(attrs.get("strides", [1] * n), 1), lift(attrs.get("output_padding", [0] * n), 0)
    auto = attrs.get("auto_pad", "NOTSET")
    if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        raise Unsupported(f"auto_pad {auto!r} is not supported")
    if auto == "NOTSET" and "output_shape" not in attrs:
        crop = lift(attrs.get("pads", [0] * 2 * n)[:n], 0)
    elif auto == "VALID":
        crop = [0, 0]
    else:  # the full scatter cut down to the output, the odd one at the start but for SAME_UPPER
        dims = list(zip(stride, (h, wd), out_pad, (kh, kw), y4[2:]))
        if any((o - p - k) // s + 1 != i for s, i, p, k, o in dims if o > s * (i - 1) + p + k):
            raise Unsupported(f"output_shape {list(y4[2:])} is a stride or more beyond the full output (onnxruntime refuses it too)")
        totals = [max(s * (i - 1) + p + k - o, 0) for s, i, p, k, o in dims]  # beyond the full output: bias only
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
    """Softmax and LogSoftmax (our kernels: over the last axis)."""
    x = b.value(node.input[0])
    shape = b.shape(x)
    rank = len(shape)
    axis = attrs.get("axis", 1 if b.opset < 13 else -1) % max(rank, 1)
    y = node.output[0]
    kind, params = ("softmax", {"beta": 1.0}) if node.op_type == "Softmax" else ("log_softmax", {})
    if axis == rank - 1:
        b.unary(kind, x, None, y, **params)
    elif b.opset < 13:  # softmax over the flattened trailing axes
        flat = b.reshape(x, (int(np.prod(shape[:axis])), int(np.prod(shape[axis:]))))
        b.reshape(b.unary(kind, flat, b.shape(flat), **params), shape, out=y)
    else:
        perm = [a for a in range(rank) if a != axis] + [axis]
        moved = b.transpose(x, perm)
        b.transpose(b.unary(kind, moved, b.shape(moved), **params), list(np.argsort(perm)), out=y)


_POOL_ATTRS = ("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides", "storage_order", "count_include_pad")
NN_CONVERTERS = {
    "Conv": (_conv, CONV_ATTRS), "ConvTranspose": (_conv_transpose, CONV_ATTRS + ("output_padding", "output_shape")),
    "MaxPool": (_pool, _POOL_ATTRS), "AveragePool": (_pool, _POOL_ATTRS),
    "GlobalAveragePool": (_global_pool, ()), "GlobalMaxPool": (_global_pool, ()),
    "Gemm": (_gemm, ("alpha", "beta", "transA", "transB")), "MatMul": (_matmul, ()),
    "BatchNormalization": (_batchnorm, ("epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs")),
    "Softmax": (_softmax, ("axis",)), "LogSoftmax": (_softmax, ("axis",)),
    **QUANT_CONVERTERS, **RESIZE_CONVERTERS,
}
