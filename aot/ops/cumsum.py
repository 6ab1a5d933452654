"""CUMSUM along one axis: attrs axis (non-negative), exclusive, reverse; float32 or int8 (same
dtype out). int8 is tflite-micro's reference CumSum: each input less its zero point, shifted left
20 bits and halved (MultiplyByQuantizedMultiplierSmallerThanOneExp), summed in int32 from a start
of the input zero point's own scaled value (as TFLM does), each partial sum rescaled by
2 * input scale / (2^20 * output scale) to the output."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits()

LEFT_SHIFT = 20  # kCumSumIntegerShift


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.dtype not in ("float32", "int8"):
        return [f"cumsum of {x.dtype} into {y.dtype} is not supported (float32 or int8)"]
    if x.dtype == "int8" and not (x.quant is not None and y.quant is not None and x.quant.per_tensor and y.quant.per_tensor):
        return ["int8 cumsum needs per-tensor quantised input and output"]
    if not 0 <= op.attrs["axis"] < len(x.shape) or tuple(x.shape) != tuple(y.shape):
        return [f"axis {op.attrs['axis']} does not fit input {list(x.shape)} and output {list(y.shape)}"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def int8_params(op: Op, g: Graph) -> tuple[tuple[int, int], tuple[int, int]]:
    """(multiplier, shift) of the input scaling (one half) and of the output rescaling."""
    s_in = np.float64(np.float32(g.tensor(op.inputs[0]).quant.tensor_scale))
    s_out = np.float64(np.float32(g.tensor(op.outputs[0]).quant.tensor_scale))
    twice = 2 * s_in
    return quant.quantize_multiplier(s_in / twice), quant.quantize_multiplier(twice / ((1 << LEFT_SHIFT) * s_out))


def _scaled(v, mult_shift: tuple[int, int]) -> np.ndarray:
    """MultiplyByQuantizedMultiplierSmallerThanOneExp."""
    return quant.rdbpot(quant.srdhm(quant.wrap_int32(v), mult_shift[0]), -mult_shift[1])


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, y = inputs[0], g.tensor(op.outputs[0])
    axis, exclusive, reverse = op.attrs["axis"], op.attrs["exclusive"], op.attrs["reverse"]
    if reverse:
        x = np.flip(x, axis)
    if x.dtype == np.float32:
        terms, start = x.astype(np.float64), 0.0
    else:
        (scale_in, scale_out), zp = int8_params(op, g), g.tensor(op.inputs[0]).quant.tensor_zero_point
        terms = _scaled((x.astype(np.int64) - zp) << LEFT_SHIFT, scale_in)
        start = _scaled(np.int64(-zp) << LEFT_SHIFT, scale_in)
    sums = np.cumsum(terms, axis=axis) + start
    if exclusive:  # each output is the sum before its own term
        sums = sums - terms
    if x.dtype == np.float32:
        out = sums.astype(np.float32)
    else:
        out = np.clip(_scaled(quant.wrap_int32(sums), scale_out) + y.quant.tensor_zero_point, -128, 127).astype(np.int8)
    return [np.flip(out, axis) if reverse else out]
