"""ONNX quantisation nodes: QuantizeLinear, DequantizeLinear, and QLinearConv / QLinearMatMul as
DequantizeLinear -> float node -> QuantizeLinear (the QDQ pass, aot/passes/qdq.py, folds them
into int8 kernels)."""
from __future__ import annotations

import numpy as np
import onnx

from aot.core.ir import Quant, Tensor
from aot.frontends.onnx_builder import Builder, Unsupported, inp


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
    if zp.size != scale.size:
        raise Unsupported(f"{zp.size} zero points for {scale.size} scales (one per scale)")
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
        # the ONNX type (a uint8 QuantizeLinear's output is int8 here, its zero point moved)
        onnx_dtype = b.dtype(inp(node, 2)) if inp(node, 2) else b.infos.get(x, (None, None))[1] or t.dtype
        dtype, quant = _qparams(b, node, onnx_dtype)
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


CONV_ATTRS = ("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")  # Conv's, QLinearConv's
QUANT_CONVERTERS = {
    "QLinearConv": (_qlinear, CONV_ATTRS), "QLinearMatMul": (_qlinear, ()),
    "QuantizeLinear": (_quantize, ("axis", "saturate", "block_size", "output_dtype", "precision")),
    "DequantizeLinear": (_dequantize, ("axis", "block_size", "output_dtype")),
}
