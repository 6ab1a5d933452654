"""QUANTIZE: float32 -> int8/int16 (round half away from zero), or an integer requantisation between
the pairs tflite-micro runs (int8 -> int8/uint8/int16, uint8 -> int8, int16 -> int8/int16/int32)."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(elementwise=True)

# the output dtypes of each input dtype: tflite-micro's (quantize_common.cc, int32 aside), and
# float32 -> uint8 for ONNX's QuantizeLinear onto a uint8 graph output
PAIRS = {"float32": ("int8", "uint8", "int16"), "int8": ("int8", "uint8", "int16"), "uint8": ("int8",),
         "int16": ("int8", "int16", "int32")}


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if y.quant is None or not y.quant.per_tensor:
        return ["QUANTIZE needs a per-tensor quantised output"]
    if y.dtype not in PAIRS.get(x.dtype, ()):
        return [f"QUANTIZE {x.dtype} -> {y.dtype} is not supported"]
    if x.dtype != "float32" and (x.quant is None or not x.quant.per_tensor):
        return [f"QUANTIZE from {x.dtype} needs a per-tensor quantised input"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def requant_params(op: Op, g: Graph) -> tuple[int, int]:
    """Multiplier and shift of an integer requantisation (TFLM quantize_common)."""
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
