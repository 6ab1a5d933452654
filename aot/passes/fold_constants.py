"""Constant folding: an op whose inputs are all constants is evaluated once with the NumPy
reference. Kinds in ``keep`` stay (the QDQ pass needs dequantize ops); instead an op that only
rearranges elements (traits ``rearranges_elements``: transpose, reshape) of a kept dequantize of
a constant moves above it, so weights stay int8 constants."""
from __future__ import annotations

import numpy as np

from aot import ops
from aot.core.ir import Graph, Op, Quant
from aot.passes.edit import clone, only_user, producer


def fold_constants(g: Graph, keep: tuple[str, ...] = ()) -> Graph:
    changed = True
    while changed:
        changed = False
        for op in list(g.ops):
            if ops.traits(op.kind).rearranges_elements and _hoist_over_dequantize(g, op):
                changed = True
            elif (op.kind not in keep and op.kind != "unsupported" and _all_const(g, op) and not set(op.outputs) & set(g.outputs)
                  and not ops.updated_state(op)):
                values = ops.get(op.kind).reference(op, g, [None if n is None else g.tensor(n).data for n in op.inputs])
                for name, v in zip(op.outputs, values):
                    g.tensor(name).data = np.ascontiguousarray(np.asarray(v, dtype=g.tensor(name).np_dtype).reshape(g.tensor(name).shape))
                g.ops.remove(op)
                changed = True
    return g


def _all_const(g: Graph, op: Op) -> bool:
    return all(n is None or g.tensor(n).is_const for n in op.inputs)


def _hoist_over_dequantize(g: Graph, op: Op) -> bool:
    """op(dequantize(c)) -> dequantize(op(c)), c constant and op rearranging its elements. A
    per-axis quantisation goes along only through a transpose (its perm says where the axis goes)."""
    dq = producer(g, op.inputs[0])
    if dq is None or dq.kind != "dequantize" or not g.tensor(dq.inputs[0]).is_const or only_user(g, op.inputs[0]) is not op:
        return False
    c = g.tensor(dq.inputs[0])
    q = c.quant
    if q is not None and not q.per_tensor:
        if op.kind != "transpose":
            return False
        q = Quant(q.scale, q.zero_point, list(op.attrs["perm"]).index(q.axis))
    data = ops.get(op.kind).reference(op, g, [c.data])[0]
    dq.inputs = [clone(g, c.name, shape=data.shape, data=np.ascontiguousarray(data), quant=q)]
    dq.outputs, op.outputs = op.outputs, dq.outputs  # dq now writes what op wrote
    g.ops.remove(op)
    return True
