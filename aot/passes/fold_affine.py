"""Fold a per-channel multiply and add by constants (BatchNormalization, a separate bias Add)
into the float op with weights before it (conv2d / depthwise_conv2d / fully_connected: its
traits' ``weight_channel_axis``): weights and bias change at compile time, the elementwise ops
disappear."""
from __future__ import annotations

import numpy as np

from aot import ops
from aot.core.ir import Graph, Op
from aot.passes.edit import clone, only_user


def fold_affine(g: Graph) -> Graph:
    changed = True
    while changed:
        changed = False
        for op in list(g.ops):
            if ops.traits(op.kind).weight_channel_axis is not None and op in g.ops:
                changed |= _fold(g, op)
    return g


def _channel_const(g: Graph, op: Op, y: str, channels: int) -> np.ndarray | None:
    """The other operand of op (consuming y) as a per-channel vector, if constant and it fits."""
    other = [n for n in op.inputs[:2] if n != y]
    if len(other) != 1 or not g.tensor(other[0]).is_const or g.tensor(op.outputs[0]).shape != g.tensor(y).shape:
        return None
    c = g.tensor(other[0]).data
    if c.size not in (1, channels) or (c.size == channels and c.shape[-1] != channels) or c.dtype.kind != "f":
        return None
    return np.broadcast_to(c.astype(np.float64).reshape(-1), (channels,))


def _fold(g: Graph, op: Op) -> bool:
    w, y = g.tensor(op.inputs[1]), op.outputs[0]
    nxt = only_user(g, y)
    if w.dtype != "float32" or not w.is_const or op.attrs.get("activation", "NONE") != "NONE" or nxt is None:
        return False
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    if bias is not None and not g.tensor(bias).is_const:
        return False
    axis = ops.traits(op.kind).weight_channel_axis
    channels = w.shape[axis]
    c = _channel_const(g, nxt, y, channels)
    fn = "add" if nxt.kind == "add" else nxt.attrs.get("fn") if nxt.kind == "binary" else None
    if nxt.attrs.get("activation", "NONE") != "NONE":  # the clamp would be lost
        fn = None
    if c is None or fn not in ("add", "mul"):
        return False
    b = g.tensor(bias).data.astype(np.float64) if bias is not None else np.zeros(channels)
    if fn == "mul":
        shape = [1] * len(w.shape)
        shape[axis] = channels
        op.inputs[1] = clone(g, w.name, data=(w.data * c.reshape(shape)).astype(np.float32))
        b = b * c
    else:
        b = b + c
    op.inputs = [*op.inputs[:2], clone(g, op.inputs[1], shape=(channels,), data=b.astype(np.float32))]
    op.outputs = list(nxt.outputs)
    g.ops.remove(nxt)
    return True
