"""Reductions over some axes: attrs fn (mean, sum, max, min, prod), axes (sorted, non-negative),
keepdims (the output shape says which).

float32: every fn. int8 (tflite-micro's reduce_common.cc / reference reduce.h): max and min with the
same quantisation in and out (the raw values compared); sum and mean add the raw values in int32,
less the input zero point times the count, then rescale by input scale / output scale with
MultiplyByQuantizedMultiplier, the mean folding 1 / count into that multiplier (QuantizedMeanOrSum,
which tflite-micro runs for every int8 MEAN, the 4-D H, W one and equal quantisations included).
int16 (16x8): mean and sum, the same arithmetic clamped to int16 (tflite-micro's int16 branches
mirror its int8 ones).
"""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(picked_inputs=lambda op: (0,) if op.attrs["fn"] in ("max", "min") else ())  # a positive scale keeps the order

FUNCTIONS = {"mean": np.mean, "sum": np.sum, "max": np.max, "min": np.min, "prod": np.prod}
INT8_FUNCTIONS = ("mean", "sum", "max", "min")
INTEGER_FUNCTIONS = {"int8": INT8_FUNCTIONS, "int16": ("mean", "sum")}  # tflite-micro's


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    fn = op.attrs.get("fn")
    if fn not in FUNCTIONS:
        return [f"reduction {fn!r} is not supported"]
    if x.dtype != y.dtype or (x.dtype != "float32" and fn not in INTEGER_FUNCTIONS.get(x.dtype, ())):
        return [f"reduce_{fn} on {x.dtype} -> {y.dtype} is not supported (float32, int8 mean/sum/max/min or int16 mean/sum)"]
    if x.dtype != "float32":
        if not (x.quant is not None and y.quant is not None and x.quant.per_tensor and y.quant.per_tensor):
            return [f"{x.dtype} reduce_{fn} needs per-tensor quantised input and output"]
        if fn in ("max", "min") and not _same_quant(op, g):
            return [f"int8 reduce_{fn} needs the same quantisation on input and output"]
    axes = op.attrs["axes"]
    if any(not 0 <= a < len(x.shape) for a in axes) or (x.size == 0 and fn in ("max", "min")):
        return [f"axes {axes} do not fit input {list(x.shape)}"]
    if int(np.prod([x.shape[a] for a in axes], dtype=np.int64)) * y.size != x.size:
        return [f"reducing {list(x.shape)} over {axes} does not give {list(y.shape)}"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def count(op: Op, g: Graph) -> int:
    """The number of input elements reduced into each output."""
    return g.tensor(op.inputs[0]).size // max(g.tensor(op.outputs[0]).size, 1)


def _same_quant(op: Op, g: Graph) -> bool:
    x, y = g.tensor(op.inputs[0]).quant, g.tensor(op.outputs[0]).quant
    return np.float32(x.tensor_scale) == np.float32(y.tensor_scale) and x.tensor_zero_point == y.tensor_zero_point


def int8_rescale(op: Op, g: Graph) -> tuple[int, int]:
    """Multiplier and shift taking an int8 (int16) sum (less the input zero point times the count) to the
    output, 1 / count folded in for a mean (QuantizedMeanOrSum)."""
    x, y = g.tensor(op.inputs[0]).quant, g.tensor(op.outputs[0]).quant
    mult, shift = quant.quantize_multiplier(np.float64(np.float32(x.tensor_scale)) / np.float64(np.float32(y.tensor_scale)))
    if op.attrs["fn"] == "mean":
        n = count(op, g)
        s = min(n.bit_length() - 1, 32, 31 + shift)
        mult, shift = (mult << s) // n, shift - s
    return mult, shift


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, y = inputs[0], g.tensor(op.outputs[0])
    fn, axes = op.attrs["fn"], tuple(op.attrs["axes"])
    if x.dtype == np.float32:
        out = FUNCTIONS[fn](x.astype(np.float64), axis=axes)
        return [np.asarray(out).astype(np.float32).reshape(y.shape)]
    if fn in ("max", "min"):
        return [FUNCTIONS[fn](x, axis=axes).reshape(y.shape)]
    total = quant.wrap_int32(np.sum(x.astype(np.int64), axis=axes))
    shifted = quant.wrap_int32(total - g.tensor(op.inputs[0]).quant.tensor_zero_point * count(op, g))
    out = quant.mbqm(shifted, *int8_rescale(op, g)) + y.quant.tensor_zero_point
    info = np.iinfo(y.np_dtype)
    return [np.clip(out, info.min, info.max).astype(y.np_dtype).reshape(y.shape)]
