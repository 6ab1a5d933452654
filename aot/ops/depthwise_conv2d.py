"""DEPTHWISE_CONV_2D: weights [1, KH, KW, IC*M]; output channel c reads input channel c // M.

attrs: stride, dilation, pad (top, left, bottom, right), activation, depth_multiplier.
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from aot.ops.traits import OpTraits
from aot.ops.window import pad_nhwc, taps

TRAITS = OpTraits(weight_channel_axis=3, fused_activation=True, zero_padding=True)


def check(op: Op, g: Graph) -> list[str]:
    problems = conv_common.check_dtypes(op, g, int16_biases=("int64",))
    x, w = g.tensor(op.inputs[0]), g.tensor(op.inputs[1])
    if len(w.shape) != 4 or len(x.shape) != 4 or w.shape[0] != 1:
        problems.append("depthwise weights must be [1, KH, KW, C]")
    elif w.shape[3] != x.shape[3] * op.attrs["depth_multiplier"]:
        problems.append("weight channels must equal input channels x depth_multiplier")
    return problems


def macs(op: Op, g: Graph) -> int:
    n, oh, ow, oc = g.tensor(op.outputs[0]).shape
    _, kh, kw, _ = g.tensor(op.inputs[1]).shape
    return n * oh * ow * oc * kh * kw


def accumulate(op: Op, g: Graph, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    y = g.tensor(op.outputs[0])
    xp = pad_nhwc(np.repeat(x, op.attrs["depth_multiplier"], axis=3), op.attrs["pad"])
    acc = np.zeros(y.shape, dtype=x.dtype)
    for i, j, patch in taps(xp, y.shape[1:3], w.shape[1:3], op.attrs["stride"], op.attrs["dilation"]):
        acc += patch * w[0, i, j, :]
    return acc


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return conv_common.reference(op, g, inputs, accumulate)
