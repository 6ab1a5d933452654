"""L2_NORMALIZATION along the last axis (rank <= 4), int8 or float32.

float32: x / max(sqrt(sum x^2), 1e-6) (reference_ops::L2Normalization). int8 as TFLM's
reference_integer_ops::L2Normalization: sum of (x - zp)^2 in int32, its inverse square root as a
quantised multiplier by GetInvSqrtQuantizedMultiplierExp (gemmlowp Newton-Raphson in
FixedPoint<int32, 3>), MultiplyByQuantizedMultiplier(x - zp, multiplier, shift + 7): the output in
1/128 steps, zero point 0, clamped to int8.
"""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.fixedpoint import count_leading_zeros_u32
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits()

OUTPUT_SCALE_BITS = 7  # the int8 output is in 1/128 steps
EPSILON = np.float32(1e-6)
HALF_THREE = (1 << 28) + (1 << 27)  # 1.5 in FixedPoint<int32, 3>
HALF_SQRT_2 = 1518500250  # sqrt(2) / 2 in FixedPoint<int32, 0>


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.dtype not in ("int8", "float32") or x.shape != y.shape or not 1 <= len(x.shape) <= 4:
        return [f"{x.dtype}{list(x.shape)} to {y.dtype}{list(y.shape)}: int8 or float32 of rank 1 to 4, same shape"]
    if x.dtype == "int8" and (x.quant is None or not x.quant.per_tensor or y.quant is None
                              or y.quant.to_json() != {"scale": 1 / 128, "zero_point": 0}):
        return ["int8 L2 normalisation needs per-tensor input quantisation and output scale 1/128, zero point 0"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 2 * g.tensor(op.inputs[0]).size


def inv_sqrt_multiplier(acc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GetInvSqrtQuantizedMultiplierExp(acc, kReverseShift): (multiplier, MBQM shift) per sum."""
    acc = np.asarray(acc, np.int64)
    small = acc <= 1
    v = np.where(small, 2, acc)
    right = np.full(v.shape, 11, np.int64)
    while (big := v >= 1 << 29).any():
        v, right = np.where(big, v // 4, v), right + big
    pairs = (count_leading_zeros_u32(v) - 1) // 2 - 1
    right -= pairs
    v = v << (2 * pairs)
    half_input = quant.rdbpot(v >> 1, 1)
    x = np.full(v.shape, 1 << 28, np.int64)
    for _ in range(5):
        x3 = quant.saturating_left_shift(quant.srdhm(quant.srdhm(x, x), x), 6)
        x = quant.saturating_left_shift(quant.srdhm(HALF_THREE, x) - quant.srdhm(half_input, x3), 3)
    x = quant.srdhm(x, HALF_SQRT_2)
    x = np.where(right < 0, quant.wrap_int32(x << np.maximum(-right, 0)), x)
    right = np.maximum(right, 0)
    return np.where(small, quant.INT32_MAX, x), np.where(small, 0, -right)


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x = inputs[0]
    if x.dtype == np.float32:
        norm = np.maximum(np.sqrt(np.sum(np.square(x.astype(np.float64)), axis=-1, keepdims=True)), EPSILON)
        return [(x / norm).astype(np.float32)]
    d = x.astype(np.int64) - g.tensor(op.inputs[0]).quant.tensor_zero_point
    mult, shift = inv_sqrt_multiplier(np.sum(d * d, axis=-1, keepdims=True))
    return [np.clip(quant.mbqm(d, mult, shift + OUTPUT_SCALE_BITS), -128, 127).astype(np.int8)]
