"""What RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR share: NHWC input and output of the same batch
and channels (the output's H and W are the target size), one per-tensor quantisation for int8,
and TFLite's scale of one axis."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if len(x.shape) != 4 or len(y.shape) != 4 or (x.shape[0], x.shape[3]) != (y.shape[0], y.shape[3]):
        return [f"resize of {list(x.shape)} to {list(y.shape)} is not an NHWC resize of H and W"]
    if x.dtype != y.dtype or x.dtype not in ("int8", "float32"):
        return [f"resize takes int8 or float32 to the same type, not {x.dtype} to {y.dtype}"]
    if x.quant is not None and (not x.quant.per_tensor or y.quant is None or x.quant.to_json() != y.quant.to_json()):
        return ["int8 resize needs input and output quantised alike (per-tensor)"]
    return []


def float_scale(n_in: int, n_out: int, align_corners: bool) -> np.float32:
    """TFLite's float scale of one axis: in / out, or (in - 1) / (out - 1) with align_corners."""
    if align_corners and n_out > 1:
        return np.float32(n_in - 1) / np.float32(n_out - 1)
    return np.float32(n_in) / np.float32(n_out)
