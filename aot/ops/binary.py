"""Elementwise float functions of two inputs with NumPy broadcasting: attrs fn (one of
FUNCTIONS). ADD has its own kind (aot/ops/add.py, int8 too); this covers the rest."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(broadcasting=True)

FUNCTIONS = {
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "max": np.maximum,
    "min": np.minimum,
    "pow": np.power,
}


def check(op: Op, g: Graph) -> list[str]:
    a, b, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    if op.attrs.get("fn") not in FUNCTIONS:
        return [f"elementwise function {op.attrs.get('fn')!r} is not supported"]
    if not (a.dtype == b.dtype == y.dtype == "float32"):
        return [f"{op.attrs['fn']} {a.dtype}, {b.dtype} -> {y.dtype} is not supported (float32 only)"]
    try:
        if np.broadcast_shapes(a.shape, b.shape) != y.shape:
            return [f"shapes {list(a.shape)} and {list(b.shape)} do not broadcast to {list(y.shape)}"]
    except ValueError:
        return [f"shapes {list(a.shape)} and {list(b.shape)} do not broadcast"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    a, b = (x.astype(np.float64) for x in inputs[:2])
    with np.errstate(all="ignore"):
        return [FUNCTIONS[op.attrs["fn"]](a, b).astype(np.float32)]
