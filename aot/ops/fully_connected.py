"""FULLY_CONNECTED: y[b, n] = sum_k x[b, k] * W[n, k] + bias[n]; input flattened to [-1, K].

attrs: activation.
"""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops import conv_common
from aot.ops.traits import OpTraits

TRAITS = OpTraits(weight_channel_axis=0, asymmetric_weights=True, fused_activation=True)


def check(op: Op, g: Graph) -> list[str]:
    problems = conv_common.check_dtypes(op, g)
    x, w = g.tensor(op.inputs[0]), g.tensor(op.inputs[1])
    if len(w.shape) != 2 or x.size % w.shape[1]:
        problems.append(f"weights {list(w.shape)} do not fit input {list(x.shape)}")
    elif g.tensor(op.outputs[0]).size != x.size // w.shape[1] * w.shape[0]:  # else the kernel writes past it
        problems.append(f"output {list(g.tensor(op.outputs[0]).shape)} does not hold {x.size // w.shape[1]} rows of {w.shape[0]}")
    elif w.quant is not None and not w.quant.per_tensor and (w.quant.axis != 0 or w.quant.zero_point.any()):
        problems.append("per-channel fully_connected weights must be symmetric, along the output axis")
    return problems


def macs(op: Op, g: Graph) -> int:
    n, k = g.tensor(op.inputs[1]).shape
    return g.tensor(op.inputs[0]).size // k * n * k


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    w = g.tensor(op.inputs[1]).data
    n, k = w.shape
    y = g.tensor(op.outputs[0])
    x = inputs[0].reshape(-1, k)
    if x.dtype == np.float32:
        acc = x.astype(np.float64) @ w.astype(np.float64).T + conv_common.bias_of(op, g, n, np.float64)
        return [quant.float_clamp(acc, op.attrs["activation"]).reshape(y.shape)]
    stage = conv_common.output_stage(op, g, product_in_float=True)
    acc = (x.astype(np.int64) + stage.input_offset) @ (w.astype(np.int64) + stage.weight_offset).T
    acc += conv_common.bias_of(op, g, n, np.int64)
    return [conv_common.requantize(op, g, acc, stage).reshape(y.shape)]
