"""CONV_2D: NHWC input, OHWI weights, optional bias, fused activation.

Grouped when the weights' input channels divide the input's (as TFLite allows): output
channel oc of OC reads input channels [g * I, (g + 1) * I) with g = oc // (OC / groups).

attrs: stride (sh, sw), dilation (dh, dw), pad (top, left, bottom, right), activation.
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from aot.ops.traits import OpTraits
from aot.ops.window import pad_nhwc, taps

TRAITS = OpTraits(weight_channel_axis=0, fused_activation=True, zero_padding=True)


def check(op: Op, g: Graph) -> list[str]:
    problems = conv_common.check_dtypes(op, g)
    w = g.tensor(op.inputs[1])
    if len(w.shape) != 4 or len(g.tensor(op.inputs[0]).shape) != 4 or len(g.tensor(op.outputs[0]).shape) != 4:
        problems.append("only 2-D convolution on 4-D NHWC tensors is supported")
    elif g.tensor(op.inputs[0]).shape[3] % w.shape[3] or w.shape[0] % (g.tensor(op.inputs[0]).shape[3] // w.shape[3]):
        problems.append(f"input channels {g.tensor(op.inputs[0]).shape[3]} and weights {list(w.shape)} do not form groups")
    return problems


def macs(op: Op, g: Graph) -> int:
    _, oh, ow, oc = g.tensor(op.outputs[0]).shape
    _, kh, kw, ic = g.tensor(op.inputs[1]).shape
    return oh * ow * oc * kh * kw * ic * g.tensor(op.outputs[0]).shape[0]


def groups(op: Op, g: Graph) -> int:
    return g.tensor(op.inputs[0]).shape[3] // g.tensor(op.inputs[1]).shape[3]


def accumulate(op: Op, g: Graph, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Sum over taps of x*w with a real-zero padding; x and w already offset, any dtype."""
    y = g.tensor(op.outputs[0])
    xp = pad_nhwc(x, op.attrs["pad"])
    acc = np.zeros(y.shape, dtype=x.dtype)
    ig, og = w.shape[3], w.shape[0] // groups(op, g)
    for i, j, patch in taps(xp, y.shape[1:3], w.shape[1:3], op.attrs["stride"], op.attrs["dilation"]):
        for k in range(groups(op, g)):
            acc[..., k * og:(k + 1) * og] += patch[..., k * ig:(k + 1) * ig] @ w[k * og:(k + 1) * og, i, j, :].T
    return acc


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return conv_common.reference(op, g, inputs, accumulate)
