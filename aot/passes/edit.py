"""Small graph-editing helpers the passes share."""
from __future__ import annotations

from aot.core.ir import Graph, Op, Tensor


def fresh(g: Graph, base: str) -> str:
    i = 1
    while f"{base}'{i}" in g.tensors:
        i += 1
    return f"{base}'{i}"


def clone(g: Graph, name: str, shape=None, data=None, quant="same", dtype: str | None = None) -> str:
    """A new tensor like ``name`` (another shape, constant data or quantisation if given)."""
    t = g.tensor(name)
    new = fresh(g, name)
    g.tensors[new] = Tensor(new, t.shape if shape is None else tuple(shape), dtype or t.dtype,
                            t.quant if quant == "same" else quant, data)
    return new


def producer(g: Graph, name: str | None) -> Op | None:
    if name is None:
        return None
    for op in g.ops:
        if name in op.outputs:
            return op
    return None


def users(g: Graph, name: str) -> list[Op]:
    return [op for op in g.ops if name in op.inputs]


def only_user(g: Graph, name: str) -> Op | None:
    """The single consumer of ``name`` if it has exactly one and is not a graph output."""
    u = users(g, name)
    return u[0] if len(u) == 1 and name not in g.outputs else None


def replace_uses(g: Graph, old: str, new: str) -> None:
    for op in g.ops:
        op.inputs = [new if n == old else n for n in op.inputs]


def insert_after(g: Graph, anchor: Op, op: Op) -> None:
    g.ops.insert(g.ops.index(anchor) + 1, op)


def const_through_dequantize(g: Graph, name: str | None) -> Tensor | None:
    """The constant behind ``name``: itself, or the input of the dequantize producing it."""
    if name is None:
        return None
    if g.tensor(name).is_const:
        return g.tensor(name)
    p = producer(g, name)
    if p is not None and p.kind == "dequantize" and g.tensor(p.inputs[0]).is_const:
        return g.tensor(p.inputs[0])
    return None
