"""SOFTMAX over the last axis. int8 -> int8 (output scale 1/256, zero point -128) and int8 -> int16
(1/65536, -32768) use TFLite's fixed-point algorithm: exp_on_negative_values, a 12-integer-bit
accumulator and a fixed-point reciprocal. int16 -> int16 (1/32768, 0) is TFLM's SoftmaxInt16: the
differences to the row maximum scaled so that [-65535, 0] is [-10, 0], exp and 1 / (1 + x) from
interpolated 513-entry tables (aot/ops/lut16.py). attrs: beta.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aot.core import fixedpoint, quant
from aot.core.ir import Graph, Op
from aot.ops import lut16
from aot.ops.traits import OpTraits

TRAITS = OpTraits()

SCALED_DIFF_INTEGER_BITS = 5
ACCUMULATION_INTEGER_BITS = 12


@dataclass(frozen=True)
class SoftmaxParams:
    input_multiplier: int
    input_left_shift: int
    diff_min: int


def params(op: Op, g: Graph) -> SoftmaxParams:
    """PreprocessSoftmaxScaling + CalculateInputRadius, as TFLM's softmax Prepare."""
    beta = np.float64(np.float32(op.attrs.get("beta", 1.0)))
    in_scale = np.float64(np.float32(g.tensor(op.inputs[0]).quant.tensor_scale))
    real = min(beta * in_scale * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
    mult, shift = quant.quantize_multiplier(float(real))
    max_input_rescaled = (
        1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1) * (1 << (31 - SCALED_DIFF_INTEGER_BITS)) / (1 << shift)
    )
    return SoftmaxParams(mult, shift, -int(math.floor(max_input_rescaled)))


# (input, output) dtypes: the output's (scale, zero point, tolerance on the scale) TFLM requires
OUTPUTS = {("int8", "int8"): (1 / 256, -128, 1e-9), ("int8", "int16"): (1 / 65536, -32768, 0.001 / 65536),
           ("int16", "int16"): (1 / 32768, 0, 0.001 / 32768)}


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if not x.shape or x.shape != y.shape:  # over the last axis: a scalar has none
        return [f"softmax {list(x.shape)} -> {list(y.shape)}: needs an input of at least one dim and an output of its shape"]
    beta = float(op.attrs.get("beta", 1.0))
    if not np.isfinite(beta) or beta <= 0:
        return [f"softmax beta {beta} must be finite and > 0"]
    if x.dtype == y.dtype == "float32":
        return []
    if (x.dtype, y.dtype) not in OUTPUTS:
        return [f"softmax {x.dtype} -> {y.dtype} is not supported (int8 -> int8/int16, int16 or float32)"]
    scale, zero_point, tol = OUTPUTS[x.dtype, y.dtype]
    if y.quant is None or abs(y.quant.tensor_scale - scale) > tol or y.quant.tensor_zero_point != zero_point:
        return [f"{x.dtype} -> {y.dtype} softmax output must have scale 1/{round(1 / scale)} and zero point {zero_point}"]
    if x.quant is None:
        return [f"{x.dtype} softmax needs a quantised input"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x = inputs[0]
    if x.dtype == np.float32:
        beta = np.float64(np.float32(op.attrs.get("beta", 1.0)))
        e = np.exp((x.astype(np.float64) - x.max(axis=-1, keepdims=True)) * beta)
        return [(e / e.sum(axis=-1, keepdims=True)).astype(np.float32)]
    if x.dtype == np.int16:
        return [softmax_int16(x, *int16_params(op, g))]
    info = np.iinfo(g.tensor(op.outputs[0]).np_dtype)
    p = params(op, g)
    _, exps, live, sum_of_exps = exp_sums(x, p)
    shifted_scale, num_bits_over_unit = fixedpoint.get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS)
    unsat = quant.rdbpot(quant.srdhm(shifted_scale, exps), num_bits_over_unit + 31 - info.bits)
    out = np.clip(unsat + info.min, info.min, info.max)
    return [np.where(live, out, info.min).astype(info.dtype)]


def int16_params(op: Op, g: Graph) -> tuple[int, int]:
    """int16 input multiplier and shift (softmax_common.cc): the differences to the row maximum
    scaled so that [-65535, 0] stands for [-10, 0]."""
    beta = np.float64(np.float32(op.attrs.get("beta", 1.0)))
    in_scale = np.float64(np.float32(g.tensor(op.inputs[0]).quant.tensor_scale))
    return quant.quantize_multiplier(float(in_scale * beta / (10.0 / 65535.0)))


def softmax_int16(x: np.ndarray, mult: int, shift: int) -> np.ndarray:
    """reference_ops::SoftmaxInt16 over the last axis."""
    diff = x.astype(np.int64) - x.max(axis=-1, keepdims=True)
    scaled = np.clip(quant.mbqm(diff, mult, shift) + 32767, -32768, 32767)
    exps = lut16.lut_lookup(scaled, lut16.softmax_exp_lut()).astype(np.int64)
    sum_of_exps = exps.sum(axis=-1, keepdims=True)
    headroom_plus_one = fixedpoint.count_leading_zeros_u32(sum_of_exps)
    shifted_sum = ((sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14
    sym = np.clip(shifted_sum - (1 << 15) - (1 << 16), -32768, 32767)
    reciprocal = lut16.lut_lookup(sym, lut16.softmax_reciprocal_lut()).astype(np.int64)
    right_shift = 31 - headroom_plus_one
    out = (exps * reciprocal + (np.int64(1) << (right_shift - 1))) >> right_shift
    return np.clip(out, 0, 32767).astype(np.int16)


def exp_sums(x: np.ndarray, p: SoftmaxParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What int8 softmax and log_softmax share, per row of the last axis: the differences to the row
    maximum, their exponentials (FixedPoint<int32, 0>) after rescaling to FixedPoint<int32, 5>,
    which differences take part (>= diff_min) and the sum of those exponentials in
    FixedPoint<int32, 12> (keepdims)."""
    xi = x.astype(np.int64)
    diff = xi - xi.max(axis=-1, keepdims=True)
    live = diff >= p.diff_min
    exps = fixedpoint.exp_on_negative_values(rescale(diff, p), SCALED_DIFF_INTEGER_BITS)
    sum_of_exps = np.where(live, quant.rdbpot(exps, ACCUMULATION_INTEGER_BITS), 0).sum(axis=-1, keepdims=True)
    return diff, exps, live, sum_of_exps


def rescale(diff: np.ndarray, p: SoftmaxParams) -> np.ndarray:
    """A difference to the row maximum in FixedPoint<int32, 5>."""
    return quant.mbqm_greater_than_one(diff, p.input_multiplier, p.input_left_shift)
