"""RESHAPE (also squeeze / flatten): the same bytes under a new shape."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(commutes_with_quantization=True, shared_quantization=True, rearranges_elements=True)


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if x.size != y.size or x.dtype != y.dtype:
        return [f"cannot reshape {x.dtype}{list(x.shape)} to {y.dtype}{list(y.shape)}"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return [inputs[0].reshape(g.tensor(op.outputs[0]).shape)]
