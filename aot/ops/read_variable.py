"""READ_VARIABLE: a copy of a resource variable (a variable tensor in the state area,
docs/architecture.md "State") into an activation, its bytes as they are (as TFLM's memcpy).

inputs: the variable. outputs: its value (the same type and element count)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits()


def check(op: Op, g: Graph) -> list[str]:
    v, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if not v.variable:
        return [f"{op.inputs[0]!r} is not a variable"]
    if (v.dtype, v.size) != (y.dtype, y.size):
        return [f"reads a {v.dtype}[{v.size}] variable as {y.dtype}[{y.size}]"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return [np.array(inputs[0]).reshape(g.tensor(op.outputs[0]).shape)]
