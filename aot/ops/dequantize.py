"""DEQUANTIZE: int8/int16 -> float32, computed in double and rounded to float, as TFLM does.

The generated C multiplies in single precision instead when that gives the same bits for every
input the tensor's dtype can hold (``single_precision_exact``): with a float32 scale and
|q - zero_point| < 2**24 it always does (the double product is exact, so both round the same real
number once), but the kernel choice rests on the exhaustive check, not on that argument. Large
int8/uint8 tensors read a 256-entry table of ``all_values`` instead (exact by construction)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(elementwise=True)


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if x.dtype not in ("int8", "uint8", "int16") or y.dtype != "float32" or x.quant is None or not x.quant.per_tensor:
        return [f"DEQUANTIZE {x.dtype} -> {y.dtype} is not supported (per-tensor int8/uint8/int16 -> float32)"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    q = g.tensor(op.inputs[0]).quant
    shape = [1] * inputs[0].ndim
    if not q.per_tensor:  # per-axis: only constants (weights), folded at compile time
        shape[q.axis] = -1
    scale, zp = q.scale.astype(np.float64).reshape(shape), q.zero_point.reshape(shape)
    return [(scale * (inputs[0].astype(np.int64) - zp)).astype(np.float32)]


def all_values(scale: float, zero_point: int, dtype: str) -> np.ndarray:
    """The reference's result for every value of ``dtype``, in order from its minimum (a table)."""
    info = np.iinfo(dtype)
    with np.errstate(over="ignore"):
        return (np.float64(scale) * (np.arange(info.min, info.max + 1, dtype=np.int64) - zero_point)).astype(np.float32)


def single_precision_exact(scale: float, zero_point: int, dtype: str) -> bool:
    """Whether ``(float)(q - zero_point) * (float)scale`` in IEEE single precision (one rounded
    multiply, nothing to contract) equals the double-precision reference bit for bit for every q
    of ``dtype``."""
    info = np.iinfo(dtype)
    q = np.arange(info.min, info.max + 1, dtype=np.int64) - zero_point
    with np.errstate(over="ignore"):
        got = q.astype(np.float32) * np.float32(scale)
    return np.array_equal(all_values(scale, zero_point, dtype).view(np.int32), got.view(np.int32))
