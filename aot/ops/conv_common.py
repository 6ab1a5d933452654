"""What conv2d, depthwise_conv2d, fully_connected and transpose_conv2d share: checks and output-stage
constants.

int16 activations (TFLite's 16x8 mode: int16 with zero point 0, symmetric int8 weights) follow
TFLM's reference_integer_ops int16 kernels: no input or output offset, products summed in an int64
accumulator where TFLM does (an int64 bias or none) and then
requantised by the int64 MultiplyByQuantizedMultiplier (quant.mbqm64), else in int32 (wrapping)
and by the int32 one, as for int8.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


@dataclass(frozen=True)
class OutputStage:
    """Per-output-channel requantisation constants (int8) or the float clamp range."""

    multiplier: np.ndarray  # int64 [C] (or [1])
    shift: np.ndarray  # int64 [C]
    input_offset: int  # -input zero point
    weight_offset: int  # -weight zero point (per-tensor weights only)
    output_offset: int  # output zero point
    act_min: int
    act_max: int


def check_dtypes(op: Op, g: Graph, int16_biases: tuple[str, ...] = ("int32", "int64")) -> list[str]:
    """The dtype problems; ``int16_biases``: the bias dtypes TFLM's kernel reads with int16 activations."""
    x, w = g.tensor(op.inputs[0]), g.tensor(op.inputs[1])
    y = g.tensor(op.outputs[0])
    problems = []
    if op.attrs.get("activation", "NONE") not in ACTIVATIONS:
        problems.append(f"fused activation {op.attrs['activation']} is not supported")
    if x.dtype == "float32" and w.dtype != "float32":
        problems.append("hybrid quantisation (int8 weights, float activations) is not supported")
    elif x.dtype == "int8":
        if w.dtype != "int8" or y.dtype != "int8":
            problems.append(f"int8 input needs int8 weights and output, got {w.dtype} weights and {y.dtype} output")
        elif x.quant is None or w.quant is None or y.quant is None:
            problems.append("int8 tensors without quantisation parameters")
        elif len(op.inputs) > 2 and op.inputs[2] is not None and g.tensor(op.inputs[2]).dtype != "int32":
            problems.append("int8 convolution needs an int32 bias")
    elif x.dtype == "int16":
        problems += _check_int16(op, g, int16_biases)
    elif x.dtype != "float32":
        problems.append(f"input type {x.dtype} is not supported (int8, int16 or float32)")
    if not w.is_const:
        problems.append("non-constant weights are not supported")
    return problems


def _check_int16(op: Op, g: Graph, biases: tuple[str, ...]) -> list[str]:
    x, w, y = g.tensor(op.inputs[0]), g.tensor(op.inputs[1]), g.tensor(op.outputs[0])
    bias = g.tensor(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] is not None else None
    if w.dtype != "int8" or y.dtype != "int16":
        return [f"int16 input needs int8 weights and an int16 output, got {w.dtype} weights and {y.dtype} output"]
    if x.quant is None or w.quant is None or y.quant is None:
        return ["int16 tensors without quantisation parameters"]
    if x.quant.tensor_zero_point or y.quant.tensor_zero_point:
        return ["int16 activations need zero point 0 (TFLite's 16x8 quantisation)"]
    if np.any(w.quant.zero_point):
        return ["int16 activations need symmetric int8 weights (zero point 0)"]
    if bias is not None and bias.dtype not in biases:
        return [f"int16 activations need an {' or '.join(biases)} bias, got {bias.dtype}"]
    if wide_accumulator(op, g) and np.any(output_stage(op, g).shift >= 8):
        return ["the output scale is over 2^7 times input scale x weight scale (TFLM's int64 requantisation)"]
    return []


def wide_accumulator(op: Op, g: Graph) -> bool:
    """int16 activations summed in int64 as TFLM does: with an int64 bias or none (an int32 bias:
    int32, the int8 arithmetic); depthwise and transpose_conv take no int32 bias."""
    if g.tensor(op.inputs[0]).dtype != "int16":
        return False
    bias = g.tensor(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] is not None else None
    return bias is None or bias.dtype == "int64"


def output_stage(op: Op, g: Graph, product_in_float: bool = False) -> OutputStage:
    """Requantisation constants as TFLM's Prepare computes them.

    Convolutions (PopulateConvolutionQuantizationParams) form input_scale * weight_scale in
    double; fully_connected (GetQuantizedConvolutionMultipler) forms the product in float
    first: ``product_in_float`` selects that rounding.
    """
    x, w, y = g.tensor(op.inputs[0]), g.tensor(op.inputs[1]), g.tensor(op.outputs[0])
    in_s, out_s = np.float32(x.quant.tensor_scale), np.float64(np.float32(y.quant.tensor_scale))
    if product_in_float:
        reals = [np.float64(np.float32(in_s * ws)) / out_s for ws in w.quant.scale]
    else:
        reals = [np.float64(in_s) * np.float64(ws) / out_s for ws in w.quant.scale]
    mult, shift = quant.quantize_multiplier_array(reals)
    lo, hi = quant.activation_range(op.attrs.get("activation", "NONE"), y.dtype, y.quant.tensor_scale, y.quant.tensor_zero_point)
    return OutputStage(mult, shift, -x.quant.tensor_zero_point, -int(w.quant.zero_point[0]), y.quant.tensor_zero_point, lo, hi)


def bias_of(op: Op, g: Graph, channels: int, dtype) -> np.ndarray:
    if len(op.inputs) > 2 and op.inputs[2] is not None:
        return g.tensor(op.inputs[2]).data.astype(dtype).reshape(channels)
    return np.zeros(channels, dtype=dtype)


def reference(op: Op, g: Graph, inputs: list[np.ndarray], accumulate) -> list[np.ndarray]:
    """The reference of a convolution whose ``accumulate(op, g, x, w)`` sums the taps: float in
    float64, int8 with TFLite's offsets and per-channel requantisation."""
    x, w = inputs[0], g.tensor(op.inputs[1]).data
    oc = g.tensor(op.outputs[0]).shape[-1]
    if x.dtype == np.float32:
        acc = accumulate(op, g, x.astype(np.float64), w.astype(np.float64))
        acc += bias_of(op, g, oc, np.float64)
        return [quant.float_clamp(acc, op.attrs["activation"])]
    stage = output_stage(op, g)
    acc = accumulate(op, g, x.astype(np.int64) + stage.input_offset, w.astype(np.int64))
    acc += bias_of(op, g, oc, np.int64)
    return [requantize(op, g, acc, stage)]


def requantize(op: Op, g: Graph, acc: np.ndarray, stage: OutputStage) -> np.ndarray:
    """The exact int64 sums ``acc`` to the output dtype, through TFLM's accumulator and
    MultiplyByQuantizedMultiplier (int32: the wrapped sum, double rounding; int64: mbqm64)."""
    dtype = g.tensor(op.outputs[0]).np_dtype
    if wide_accumulator(op, g):
        return np.clip(quant.mbqm64(acc, stage.multiplier, stage.shift), stage.act_min, stage.act_max).astype(dtype)
    return quant.requantize(acc, stage.multiplier, stage.shift, stage.output_offset, stage.act_min, stage.act_max, dtype)
