"""PAD: mode "constant" (with value), "edge", "reflect" (mirrored without the edge element) or
"symmetric" (mirrored with it); any dtype (int8: value is a raw int8).

attrs: before, after (one entry per axis), mode, value.
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits()

MODES = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    before, after, mode = op.attrs["before"], op.attrs["after"], op.attrs["mode"]
    if mode not in MODES:
        return [f"pad mode {mode!r} is not supported"]
    if min([*before, *after], default=0) < 0:
        return ["negative pads (cropping) are not supported"]
    if tuple(n + b + a for n, b, a in zip(x.shape, before, after)) != y.shape or x.dtype != y.dtype:
        return [f"padding {list(x.shape)} by {before}, {after} does not give {list(y.shape)}"]
    if mode == "reflect" and any(max(b, a) >= n for n, b, a in zip(x.shape, before, after) if b or a):
        return ["reflect pads must be smaller than the axis"]
    if mode == "symmetric" and any(max(b, a) > n for n, b, a in zip(x.shape, before, after)):
        return ["symmetric pads must not exceed the axis"]
    if mode == "edge" and any(n == 0 for n in x.shape):
        return ["edge padding of an empty tensor"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    widths = list(zip(op.attrs["before"], op.attrs["after"]))
    mode = op.attrs["mode"]
    if mode == "constant":
        value = np.asarray(op.attrs["value"]).astype(inputs[0].dtype)
        return [np.pad(inputs[0], widths, mode="constant", constant_values=value)]
    return [np.pad(inputs[0], widths, mode=MODES[mode])]
