"""SELECT_V2: condition ? x : y element by element, the three inputs broadcast together (NumPy
rules). The values are copied as stored: int8 x, y and the output share one quantisation."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(picked_inputs=lambda op: (1, 2))  # the two values; input 0 is the condition
DTYPES = ("float32", "int8", "int32", "bool")


def check(op: Op, g: Graph) -> list[str]:
    if len(op.inputs) != 3:
        return [f"select takes a condition and two values, not {len(op.inputs)} inputs"]
    c, x, y, out = (g.tensor(n) for n in (*op.inputs, op.outputs[0]))
    if c.dtype != "bool" or not (x.dtype == y.dtype == out.dtype) or x.dtype not in DTYPES:
        return [f"select {c.dtype} ? {x.dtype} : {y.dtype} -> {out.dtype} is not supported "
                f"(a bool condition, values and result of one of {', '.join(DTYPES)})"]
    if x.dtype == "int8" and (x.quant is None or not (x.quant.to_json() == y.quant.to_json() == out.quant.to_json())
                              or not x.quant.per_tensor):
        return ["int8 select needs one per-tensor quantisation shared by both values and the output"]
    try:
        if np.broadcast_shapes(c.shape, x.shape, y.shape) != out.shape:
            return [f"shapes {list(c.shape)}, {list(x.shape)}, {list(y.shape)} do not broadcast to {list(out.shape)}"]
    except ValueError:
        return [f"shapes {list(c.shape)}, {list(x.shape)}, {list(y.shape)} do not broadcast"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    c, x, y = inputs
    return [np.where(c, x, y).astype(x.dtype)]
