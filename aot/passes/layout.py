"""Layout pass: remove the transposes the ONNX import puts around NHWC kernels.

Repeatedly, for each transpose T (perm p) from x to y:
- T of T composes into one transpose; an identity transpose disappears;
- if every consumer of y is a transpose or an elementwise op (traits ``elementwise``: unary,
  quantize, dequantize; or ``broadcasting``: add/binary with a constant or equally transposed
  other operand), T sinks below them (the constant is permuted at compile time), so that the
  NCHW->NHWC transpose of the next kernel meets it and both vanish;
- a flatten (reshape to [N, K]) of T(x) feeding only fully-connected ops with constant weights
  reads x directly; the weights' columns are permuted instead (ONNX's element order is kept);
- a transpose that moves only axes of size one becomes a reshape.
"""
from __future__ import annotations

import numpy as np

from aot import ops
from aot.core.ir import Graph, Op
from aot.passes.edit import clone, const_through_dequantize, insert_after, producer, replace_uses, users


def layout(g: Graph) -> Graph:
    changed = True
    while changed:
        changed = False
        for op in list(g.ops):
            if op.kind == "transpose" and op in g.ops:
                changed |= _compose(g, op) or _sink(g, op) or _fold_flatten(g, op)
    for op in g.ops:
        if op.kind == "transpose" and _moves_only_ones(g.tensor(op.inputs[0]).shape, op.attrs["perm"]):
            op.kind, op.attrs = "reshape", {}
    return g


def _compose(g: Graph, op: Op) -> bool:
    p = list(op.attrs["perm"])
    first = producer(g, op.inputs[0])
    if first is not None and first.kind == "transpose":
        op.inputs = [first.inputs[0]]
        op.attrs = {"perm": tuple(first.attrs["perm"][i] for i in p)}
        return True
    if p == sorted(p) and op.outputs[0] not in g.outputs:
        replace_uses(g, op.outputs[0], op.inputs[0])
        g.ops.remove(op)
        return True
    return False


def _other_operand(g: Graph, op: Op, y: str, perm) -> str | None | bool:
    """For a broadcasting consumer of y = T(x): its other operand in x's layout, or False."""
    others = [n for n in op.inputs[:2] if n != y]
    if not others:
        return None
    other = g.tensor(others[0])
    rank = len(perm)
    if g.tensor(op.outputs[0]).shape != g.tensor(y).shape or len(other.shape) > rank:
        return False
    if other.is_const:
        full = other.data.reshape((1,) * (rank - len(other.shape)) + other.shape)
        data = np.ascontiguousarray(full.transpose(np.argsort(perm)))
        return clone(g, other.name, shape=data.shape, data=data, quant=other.quant)
    p = producer(g, other.name)
    if p is not None and p.kind == "transpose" and tuple(p.attrs["perm"]) == tuple(perm):
        return p.inputs[0]
    return False


def _sink(g: Graph, op: Op) -> bool:
    x, y = op.inputs[0], op.outputs[0]
    perm = tuple(op.attrs["perm"])
    consumers = users(g, y)
    if y in g.outputs or not consumers:
        return False
    sunk = [c for c in consumers if c.kind == "transpose" or
            (ops.traits(c.kind).elementwise and (g.tensor(y).quant is None or g.tensor(y).quant.per_tensor))]
    for c in consumers:
        if c in sunk:
            continue
        sibling = [p for p in sunk if any(n in p.outputs for n in c.inputs[:2])]  # e.g. x * sigmoid(x)
        if not ops.traits(c.kind).broadcasting or g.tensor(c.outputs[0]).shape != g.tensor(y).shape or \
                (not sibling and _other_operand(g, c, y, perm) is False):
            return False
    for c in sorted(consumers, key=lambda c: c not in sunk):  # siblings first: they gain the transpose
        if c.kind == "transpose":
            c.inputs = [x]
            c.attrs = {"perm": tuple(perm[i] for i in c.attrs["perm"])}
            continue
        other = _other_operand(g, c, y, perm) if ops.traits(c.kind).broadcasting else None
        out = c.outputs[0]
        moved = clone(g, out, shape=g.tensor(x).shape)
        c.inputs = [x if n == y else other for n in c.inputs]
        c.outputs = [moved]
        insert_after(g, c, Op("transpose", [moved], [out], {"perm": perm}, name=c.name))
    return True


def _fold_flatten(g: Graph, op: Op) -> bool:
    x, y = op.inputs[0], op.outputs[0]
    perm = tuple(op.attrs["perm"])
    consumers = users(g, y)
    if y in g.outputs or len(consumers) != 1 or consumers[0].kind != "reshape" or perm[0] != 0:
        return False
    r = consumers[0]
    flat = g.tensor(r.outputs[0])
    xs = g.tensor(x).shape
    if len(flat.shape) != 2 or flat.shape[0] != xs[0] or r.outputs[0] in g.outputs:
        return False
    fcs = users(g, r.outputs[0])
    weights = [const_through_dequantize(g, fc.inputs[1]) if fc.kind == "fully_connected" and fc.inputs[0] == r.outputs[0] else None for fc in fcs]
    rows = ops.traits("fully_connected").weight_channel_axis  # per-channel quantisation may stay on it
    if not fcs or any(w is None or len(users(g, w.name)) != 1 or (w.quant is not None and w.quant.axis not in (None, rows)) for w in weights):
        return False
    order = np.arange(flat.shape[1]).reshape(xs[1:]).transpose([p - 1 for p in perm[1:]]).ravel()
    for fc, w in zip(fcs, weights):
        permuted = np.empty_like(w.data)
        permuted[:, order] = w.data
        w.data = permuted  # the weights have no other user
    r.inputs = [x]
    g.ops.remove(op)
    return True


def _moves_only_ones(shape, perm) -> bool:
    return [a for a in perm if shape[a] != 1] == sorted(a for a in perm if shape[a] != 1)
