"""PRELU: y = x if x >= 0 else alpha * x, alpha (input 1) broadcast against x (input 0). int8 as
tflite-micro's BroadcastPrelu4DSlow: x - zero point requantised by one multiplier where it is
>= 0, its product with alpha - alpha's zero point by another below.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(broadcasting=True)


@dataclass(frozen=True)
class PreluParams:
    """prelu_common.cc CalculatePreluParams."""

    input_offset: int
    alpha_offset: int
    output_offset: int
    identity_multiplier: int
    identity_shift: int
    alpha_multiplier: int
    alpha_shift: int


def params(op: Op, g: Graph) -> PreluParams:
    x, alpha, y = (g.tensor(n).quant for n in (*op.inputs[:2], op.outputs[0]))
    xs, as_, ys = x.tensor_scale, alpha.tensor_scale, y.tensor_scale
    m1, s1 = quant.quantize_multiplier(xs / ys)
    m2, s2 = quant.quantize_multiplier(xs * as_ / ys)
    return PreluParams(-x.tensor_zero_point, -alpha.tensor_zero_point, y.tensor_zero_point, m1, s1, m2, s2)


def check(op: Op, g: Graph) -> list[str]:
    x, alpha, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    if not (x.dtype == alpha.dtype == y.dtype and x.dtype in ("float32", "int8")):
        return [f"prelu {x.dtype}, {alpha.dtype} -> {y.dtype} is not supported (float32 or int8)"]
    try:
        if np.broadcast_shapes(x.shape, alpha.shape) != y.shape:
            return [f"shapes {list(x.shape)} and {list(alpha.shape)} do not broadcast to {list(y.shape)}"]
    except ValueError:
        return [f"shapes {list(x.shape)} and {list(alpha.shape)} do not broadcast"]
    if x.dtype == "int8" and not all(t.quant is not None and t.quant.per_tensor for t in (x, alpha, y)):
        return ["int8 prelu needs per-tensor quantisation of the input, alpha and output"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, alpha = inputs[:2]
    if x.dtype == np.float32:
        x64 = x.astype(np.float64)
        return [np.where(x64 >= 0, x64, x64 * alpha.astype(np.float64)).astype(np.float32)]
    p = params(op, g)
    d = x.astype(np.int64) + p.input_offset
    a = alpha.astype(np.int64) + p.alpha_offset
    out = np.where(d >= 0, quant.mbqm(d, p.identity_multiplier, p.identity_shift),
                   quant.mbqm(d * a, p.alpha_multiplier, p.alpha_shift))
    return [np.clip(out + p.output_offset, -128, 127).astype(np.int8)]
