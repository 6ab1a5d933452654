"""CONCATENATION along one axis, any dtype (int8 needs every input quantised like the output).

attrs: axis (non-negative).
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(shared_quantization=True, picked_inputs=lambda op: tuple(range(len(op.inputs))))


def check(op: Op, g: Graph) -> list[str]:
    xs, y = [g.tensor(n) for n in op.inputs], g.tensor(op.outputs[0])
    axis = op.attrs["axis"]
    if any(x.dtype != y.dtype for x in xs):
        return ["all inputs need the output's type"]
    if any(len(x.shape) != len(y.shape) or x.shape[:axis] + x.shape[axis + 1:] != y.shape[:axis] + y.shape[axis + 1:] for x in xs) \
            or sum(x.shape[axis] for x in xs) != y.shape[axis]:
        return [f"inputs {[list(x.shape) for x in xs]} do not concatenate to {list(y.shape)} along axis {axis}"]
    if y.quant is not None and any(x.quant is None or x.quant.to_json() != y.quant.to_json() for x in xs):
        return ["quantised concatenation needs every input quantised like the output"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return [np.concatenate(inputs, axis=op.attrs["axis"])]
