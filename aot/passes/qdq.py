"""QDQ folding: DequantizeLinear -> float op -> QuantizeLinear becomes one int8 op.

- conv2d / depthwise_conv2d / fully_connected whose input is dequantized from int8, whose
  weights are dequantized int8 constants (symmetric, per-tensor or per output channel) and
  whose only consumer quantizes to int8 run as our int8 kernels (TFLite arithmetic); the bias
  becomes int32 at scale input_scale * weight_scale;
- add of two dequantized int8 tensors, quantized to int8, runs as the int8 add;
- data movement and max pooling (reshape, transpose, slice, max_pool2d) commute with a
  per-tensor dequantize: the dequantize moves below them and they run on int8 values;
- concat and average_pool2d between equal quantisations run on the int8 values;
- quantize(dequantize(q)) is q itself (same parameters) or an int8 -> int8 requantisation.
A rewrite the int8 kernel's check rejects is undone: that part stays float.
"""
from __future__ import annotations

import numpy as np

from aot import ops
from aot.core.ir import Graph, Op
from aot.passes.edit import clone, const_through_dequantize, only_user, producer, replace_uses

KERNELS = {"conv2d": 0, "depthwise_conv2d": 3, "fully_connected": 0}  # per-channel weight axis
COMMUTING = ("reshape", "transpose", "slice", "max_pool2d")
TRANSPARENT = ("concat", "average_pool2d")


def qdq(g: Graph) -> Graph:
    changed = True
    while changed:
        changed = False
        for op in list(g.ops):
            if op in g.ops and op.kind in COMMUTING:
                changed |= _sink_dequantize(g, op)
            elif op in g.ops and op.kind == "quantize":
                changed |= _requantize(g, op)
    for op in list(g.ops):
        if op in g.ops and (op.kind in KERNELS or op.kind == "add" or op.kind in TRANSPARENT):
            _fuse(g, op)
    return g


def _sink_dequantize(g: Graph, op: Op) -> bool:
    """op(dequantize(q)) -> dequantize(op(q)) for data movement and max pooling."""
    q = _int8_source(g, op.inputs[0])
    if q is None or op.attrs.get("activation", "NONE") != "NONE":
        return False
    y = op.outputs[0]
    moved = clone(g, y, dtype="int8", quant=g.tensor(q).quant)
    op.inputs, op.outputs = [q], [moved]
    g.ops.insert(g.ops.index(op) + 1, Op("dequantize", [moved], [y], {}, name=op.name))
    return True


def _requantize(g: Graph, op: Op) -> bool:
    """quantize(dequantize(q)): q itself when the parameters agree, else an int8 requantisation."""
    q = _int8_source(g, op.inputs[0])
    y = g.tensor(op.outputs[0])
    if q is None or y.dtype != "int8":
        return False
    if g.tensor(q).quant.to_json() == y.quant.to_json() and y.name not in g.outputs:
        replace_uses(g, y.name, q)
        g.ops.remove(op)
        return True
    if op.inputs[0] == q:
        return False
    op.inputs = [q]
    return True


def _int8_source(g: Graph, name: str | None, const_ok: bool = False) -> str | None:
    """The per-tensor int8 tensor a dequantize turns into ``name`` (a constant only if const_ok)."""
    p = producer(g, name)
    if p is None or p.kind != "dequantize":
        return None
    t = g.tensor(p.inputs[0])
    ok = t.dtype == "int8" and (const_ok or not t.is_const) and t.quant is not None and t.quant.per_tensor
    return t.name if ok else None


def _fuse(g: Graph, op: Op) -> None:
    y = op.outputs[0]
    q = only_user(g, y)
    if g.tensor(y).dtype != "float32" or q is None or q.kind != "quantize" or g.tensor(q.outputs[0]).dtype != "int8":
        return
    known = set(g.tensors)
    if op.kind in KERNELS:
        inputs = _kernel_inputs(g, op)
    else:
        n = 2 if op.kind == "add" else len(op.inputs)
        inputs = [_int8_source(g, name, const_ok=op.kind == "add") for name in op.inputs[:n]]
        if op.kind != "add" and any(g.tensor(i).quant.to_json() != g.tensor(q.outputs[0]).quant.to_json() for i in inputs if i):
            return
    if inputs is None or None in inputs[:2 if op.kind != "concat" else len(inputs)]:
        return
    before = (op.inputs, op.outputs)
    op.inputs, op.outputs = inputs, list(q.outputs)
    if ops.get(op.kind).check(op, g):
        op.inputs, op.outputs = before
        for name in set(g.tensors) - known:  # the int32 bias made for the rejected kernel
            del g.tensors[name]
        return
    g.ops.remove(q)


def _kernel_inputs(g: Graph, op: Op) -> list[str | None] | None:
    x = _int8_source(g, op.inputs[0])
    w = const_through_dequantize(g, op.inputs[1])
    if x is None or w is None or w.dtype != "int8" or w.quant is None:
        return None
    axis = KERNELS[op.kind]
    if not w.quant.per_tensor and w.quant.axis != axis:
        return None
    if op.kind != "fully_connected" and np.any(w.quant.zero_point != 0):  # fc checks its own
        return None
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    if bias is None:
        return [x, w.name]
    b = const_through_dequantize(g, bias)
    if b is None:
        return None
    real = b.data.astype(np.float64)
    if b.quant is not None:
        real = (real - b.quant.zero_point.astype(np.float64)) * b.quant.scale.astype(np.float64)
    scale = np.float64(g.tensor(x).quant.tensor_scale) * w.quant.scale.astype(np.float64)
    ints = np.round(real.reshape(-1) / scale)
    if np.abs(ints).max(initial=0) >= 2**31:
        return None
    return [x, w.name, clone(g, b.name, shape=(real.size,), data=ints.astype(np.int32), quant=None, dtype="int32")]
