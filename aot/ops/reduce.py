"""Reductions over some axes of a float tensor: attrs fn (mean, sum, max, min, prod),
axes (sorted, non-negative), keepdims (the output shape says which)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits()

FUNCTIONS = {"mean": np.mean, "sum": np.sum, "max": np.max, "min": np.min, "prod": np.prod}


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if op.attrs.get("fn") not in FUNCTIONS:
        return [f"reduction {op.attrs.get('fn')!r} is not supported"]
    if not (x.dtype == y.dtype == "float32"):
        return [f"reduce_{op.attrs['fn']} on {x.dtype} is not supported (float32 only)"]
    axes = op.attrs["axes"]
    if any(not 0 <= a < len(x.shape) for a in axes) or (x.size == 0 and op.attrs["fn"] in ("max", "min")):
        return [f"axes {axes} do not fit input {list(x.shape)}"]
    if int(np.prod([x.shape[a] for a in axes], dtype=np.int64)) * y.size != x.size:
        return [f"reducing {list(x.shape)} over {axes} does not give {list(y.shape)}"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    out = FUNCTIONS[op.attrs["fn"]](inputs[0].astype(np.float64), axis=tuple(op.attrs["axes"]))
    return [np.asarray(out).astype(np.float32).reshape(g.tensor(op.outputs[0]).shape)]
