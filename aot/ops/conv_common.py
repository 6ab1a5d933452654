"""What conv2d, depthwise_conv2d and fully_connected share: checks and output-stage constants."""
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


def check_dtypes(op: Op, g: Graph) -> list[str]:
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
    elif x.dtype != "float32":
        problems.append(f"input type {x.dtype} is not supported (int8 or float32)")
    if not w.is_const:
        problems.append("non-constant weights are not supported")
    return problems


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
    return [quant.requantize(acc, stage.multiplier, stage.shift, stage.output_offset, stage.act_min, stage.act_max)]
