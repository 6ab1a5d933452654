"""ASSIGN_VARIABLE: a resource variable (a variable tensor in the state area, docs/architecture.md
"State") takes a value's bytes as they are (as TFLM's memcpy).

inputs: the variable (updated in place), the value (the same type and element count). No outputs."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(updates=(0,))


def check(op: Op, g: Graph) -> list[str]:
    v, x = g.tensor(op.inputs[0]), g.tensor(op.inputs[1])
    if (v.dtype, v.size) != (x.dtype, x.size):
        return [f"assigns a {x.dtype}[{x.size}] value to a {v.dtype}[{v.size}] variable"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return [np.array(inputs[1]).reshape(g.tensor(op.inputs[0]).shape)]  # no outputs; the variable's new value
