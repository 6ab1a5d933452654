"""DEQUANTIZE: int8/int16 -> float32, computed in double and rounded to float, as TFLM does."""
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
