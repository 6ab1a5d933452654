"""TRANSPOSE: y = x.transpose(perm), any rank, any dtype (a pure data movement).

attrs: perm.
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(commutes_with_quantization=True, shared_quantization=True, rearranges_elements=True)


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    perm = tuple(op.attrs["perm"])
    if sorted(perm) != list(range(len(x.shape))):
        return [f"perm {list(perm)} is not a permutation of the {len(x.shape)} axes"]
    if tuple(x.shape[p] for p in perm) != y.shape or x.dtype != y.dtype:
        return [f"transpose of {list(x.shape)} by {list(perm)} does not give {list(y.shape)}"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return [np.ascontiguousarray(inputs[0].transpose(op.attrs["perm"]))]
