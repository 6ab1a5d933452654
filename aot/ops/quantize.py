"""QUANTIZE: float32 -> int8/int16 (round half away from zero), or int8/int16 -> int8 requantise."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(elementwise=True)


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if y.quant is None or not y.quant.per_tensor:
        return ["QUANTIZE needs a per-tensor quantised output"]
    if x.dtype == "float32" and y.dtype in ("int8", "uint8", "int16"):
        return []
    if x.dtype in ("int8", "int16") and y.dtype == "int8" and x.quant is not None and x.quant.per_tensor:
        return []
    return [f"QUANTIZE {x.dtype} -> {y.dtype} is not supported"]


def macs(op: Op, g: Graph) -> int:
    return 0


def requant_params(op: Op, g: Graph) -> tuple[int, int]:
    """Multiplier and shift of an integer -> int8 requantisation (TFLM quantize_common)."""
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    return quant.quantize_multiplier(np.float64(np.float32(x.quant.tensor_scale)) / np.float64(np.float32(y.quant.tensor_scale)))


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, y = inputs[0], g.tensor(op.outputs[0])
    info = np.iinfo(y.np_dtype)
    if x.dtype == np.float32:
        scaled = np.clip(x / np.float32(y.quant.tensor_scale), -(2.0**30), 2.0**30)  # float32 division, as in C
        whole = np.trunc(scaled)
        frac = scaled - whole  # exact in float32
        q = whole.astype(np.int64) + (frac >= 0.5) - (frac <= -0.5) + y.quant.tensor_zero_point
    else:
        mult, shift = requant_params(op, g)
        q = quant.mbqm(x.astype(np.int64) - g.tensor(op.inputs[0]).quant.tensor_zero_point, mult, shift) + y.quant.tensor_zero_point
    return [np.clip(q, info.min, info.max).astype(y.np_dtype)]
