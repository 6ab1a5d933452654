"""Fuse Relu / Clip into the op before it where that is exact (an op whose traits have
``fused_activation``: its ``activation`` attr):
relu -> RELU, clip(0, 6) -> RELU6, clip(-1, 1) -> RELU_N1_TO_1, clip(0, inf) -> RELU.

float: op -> unary. int8: op -> dequantize -> unary -> quantize with the op's own output
quantisation (clamping the quantized value is then the same as clamping the real one)."""
from __future__ import annotations

import math

from aot import ops
from aot.core.ir import Graph, Op
from aot.passes.edit import only_user


def activation_of(op: Op) -> str | None:
    if op.kind != "unary":
        return None
    fn = op.attrs["fn"]
    if fn == "relu":
        return "RELU"
    if fn == "clip":
        bounds = (op.attrs["min"], op.attrs["max"])
        return {(0.0, 6.0): "RELU6", (-1.0, 1.0): "RELU_N1_TO_1", (0.0, math.inf): "RELU"}.get(bounds)
    return None


def fuse_activation(g: Graph) -> Graph:
    for op in list(g.ops):
        if not ops.traits(op.kind).fused_activation or op.attrs.get("activation", "NONE") != "NONE" or op not in g.ops:
            continue
        chain = _chain(g, op)
        if chain:
            act = activation_of(chain[-2] if g.tensor(op.outputs[0]).dtype == "int8" else chain[-1])
            op.attrs = {**op.attrs, "activation": act}
            op.outputs = list(chain[-1].outputs)
            for dead in chain:
                g.ops.remove(dead)
    return g


def _chain(g: Graph, op: Op) -> list[Op] | None:
    """The ops fused away (their last writes the fused result), or None."""
    y = g.tensor(op.outputs[0])
    first = only_user(g, y.name)
    if y.dtype == "float32":
        return [first] if first is not None and activation_of(first) else None
    if y.dtype != "int8" or first is None or first.kind != "dequantize":
        return None
    act = only_user(g, first.outputs[0])
    if act is None or not activation_of(act):
        return None
    q = only_user(g, act.outputs[0])
    if q is None or q.kind != "quantize" or g.tensor(q.outputs[0]).dtype != "int8" or g.tensor(q.outputs[0]).quant.to_json() != y.quant.to_json():
        return None
    return [first, act, q]
