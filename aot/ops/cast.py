"""CAST: y = x converted element by element to y's dtype as C converts (static_cast, like
tflite-micro): float -> integer truncates toward zero, integer -> narrower integer wraps around
(a float out of int32's range is undefined, as in C).
Between float32, int8, uint8, int16, int32; quantisation parameters play no part (the stored
values are converted).
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(elementwise=True)
DTYPES = ("float32", "int8", "uint8", "int16", "int32")


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if x.dtype not in DTYPES or y.dtype not in DTYPES:
        return [f"cast from {x.dtype} to {y.dtype} is not supported (only between {', '.join(DTYPES)})"]
    if x.shape != y.shape:
        return [f"cast of {list(x.shape)} to {list(y.shape)} changes the shape"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, dtype = inputs[0], g.tensor(op.outputs[0]).np_dtype
    if x.dtype.kind == "f" and dtype.kind != "f":
        x = np.trunc(x).astype(np.int64)  # C truncates; then wrap like an integer conversion
    with np.errstate(over="ignore", invalid="ignore"):
        return [x.astype(dtype)]
