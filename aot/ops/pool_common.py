"""What average_pool2d and max_pool2d share. attrs: filter (fh, fw), stride, pad, activation."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops.window import pad_nhwc, taps


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    problems = []
    if x.dtype not in ("int8", "int16", "float32") or y.dtype != x.dtype:
        problems.append(f"input type {x.dtype} is not supported (int8, int16 or float32, the output's too)")
    elif x.dtype != "float32" and (x.quant is None or y.quant is None or x.quant.tensor_scale != y.quant.tensor_scale or x.quant.tensor_zero_point != y.quant.tensor_zero_point):
        problems.append(f"{x.dtype} pooling needs identical input and output quantisation")
    if len(x.shape) != 4:
        problems.append("pooling needs a 4-D NHWC input")
    return problems


def windows(op: Op, g: Graph, x: np.ndarray, fill):
    """Yield every window tap of the padded input, plus a mask of in-bounds taps."""
    y = g.tensor(op.outputs[0])
    pad = op.attrs["pad"]
    xp = pad_nhwc(x, pad, fill)
    inside = pad_nhwc(np.ones((1, *x.shape[1:3], 1), dtype=np.int64), pad, 0)
    win = list(taps(xp, y.shape[1:3], op.attrs["filter"], op.attrs["stride"]))
    masks = [p for _, _, p in taps(inside, y.shape[1:3], op.attrs["filter"], op.attrs["stride"])]
    return [p for _, _, p in win], masks


def clamp(op: Op, g: Graph, out: np.ndarray) -> np.ndarray:
    y = g.tensor(op.outputs[0])
    if y.dtype == "float32":
        return quant.float_clamp(out, op.attrs["activation"])
    lo, hi = quant.activation_range(op.attrs["activation"], y.dtype, y.quant.tensor_scale, y.quant.tensor_zero_point)
    return np.clip(out, lo, hi).astype(y.np_dtype)


def macs(op: Op, g: Graph) -> int:
    return 0
