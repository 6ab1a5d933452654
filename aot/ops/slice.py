"""SLICE: y[i0, i1, ...] = x[start0 + i0 * step0, start1 + i1 * step1, ...] (steps may be negative).

attrs: starts, steps (one per axis, already clamped into range; the output shape gives the counts).
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(commutes_with_quantization=True, shared_quantization=True)


def indices(op: Op, g: Graph) -> list[np.ndarray]:
    """The input index read along every axis."""
    y = g.tensor(op.outputs[0])
    return [s + k * np.arange(n) for s, k, n in zip(op.attrs["starts"], op.attrs["steps"], y.shape)]


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if not (len(op.attrs["starts"]) == len(op.attrs["steps"]) == len(x.shape) == len(y.shape)) or x.dtype != y.dtype:
        return ["starts/steps must give one entry per axis"]
    for idx, n in zip(indices(op, g), x.shape):
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            return [f"slice reads outside the input {list(x.shape)}"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return [inputs[0][np.ix_(*indices(op, g))]]
