"""LOG_SOFTMAX over the last axis. int8 -> int8 (output scale 16/256, zero point 127) as tflite-micro's
LogSoftmaxQuantized: softmax's fixed-point sum of exponentials (aot/ops/softmax.py), its log in
FixedPoint<int32, 5>, subtracted from each rescaled difference. float32: x - max - log(sum exp).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aot.core import fixedpoint, quant
from aot.core.ir import Graph, Op
from aot.ops import softmax
from aot.ops.traits import OpTraits

TRAITS = OpTraits()

OUTPUT_INTEGER_BITS = 4
OUTPUT_SHIFT = 31 - softmax.SCALED_DIFF_INTEGER_BITS - OUTPUT_INTEGER_BITS  # FixedPoint<5> -> int8 steps of 1/16
OUTPUT_SCALE, OUTPUT_ZERO_POINT = 16 / 256, 127


@dataclass(frozen=True)
class LogSoftmaxParams:
    exp: softmax.SoftmaxParams  # input_multiplier, input_left_shift, diff_min (beta 1)
    reverse_scaling_divisor: int
    reverse_scaling_shift: int  # <= 0


def params(op: Op, g: Graph) -> LogSoftmaxParams:
    """PreprocessLogSoftmaxScalingExp (beta 1) and CalculateInputRadius, as log_softmax.cc."""
    p = softmax.params(op, g)
    divisor, shift = quant.quantize_multiplier((1 << (31 - p.input_left_shift)) / p.input_multiplier)
    return LogSoftmaxParams(p, divisor, shift)


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if not x.shape or x.shape != y.shape:  # over the last axis: a scalar has none
        return [f"log_softmax {list(x.shape)} -> {list(y.shape)}: needs an input of at least one dim and an output of its shape"]
    if x.dtype == y.dtype == "float32":
        return []
    if x.dtype == y.dtype == "int8":
        if (x.quant is None or not x.quant.per_tensor or y.quant is None or not y.quant.per_tensor
                or np.float32(y.quant.tensor_scale) != np.float32(OUTPUT_SCALE)
                or y.quant.tensor_zero_point != OUTPUT_ZERO_POINT):
            return ["int8 log_softmax output must have scale 16/256 and zero point 127"]
        return []
    return [f"log_softmax {x.dtype} -> {y.dtype} is not supported (int8 or float32)"]


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x = inputs[0]
    if x.dtype == np.float32:
        shifted = x.astype(np.float64) - x.max(axis=-1, keepdims=True)
        return [(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))).astype(np.float32)]
    p = params(op, g)
    diff, _, _, sum_of_exps = softmax.exp_sums(x, p.exp)
    log_sum = fixedpoint.log_x_for_x_greater_than_or_equal_to_1(
        sum_of_exps, softmax.ACCUMULATION_INTEGER_BITS, softmax.SCALED_DIFF_INTEGER_BITS)
    adjusted_diff_min = np.maximum(
        p.exp.diff_min - 1, quant.mbqm(log_sum + quant.INT32_MIN, p.reverse_scaling_divisor, p.reverse_scaling_shift))
    out = quant.rdbpot(quant.wrap_int32(softmax.rescale(diff, p.exp) - log_sum), OUTPUT_SHIFT) + OUTPUT_ZERO_POINT
    return [np.where(diff > adjusted_diff_min, np.clip(out, -128, 127), -128).astype(np.int8)]
