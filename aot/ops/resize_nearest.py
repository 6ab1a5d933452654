"""RESIZE_NEAREST_NEIGHBOR of NHWC H and W, int8, int16 or float32: y[b, oy, ox, c] = x[b, rows[oy], cols[ox], c].

The source row and column of every output index are compile-time constants, computed in float32
exactly as TFLite's GetNearestNeighbor does (reference_ops/resize_nearest_neighbor.h).

attrs: align_corners, half_pixel_centers (TFLite); or ONNX's rule (aot/ops/resize_common.py):
coordinate_mode, nearest_mode, scale (of H and W) and roi.
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import resize_common
from aot.ops.traits import OpTraits

TRAITS = OpTraits(commutes_with_quantization=True, shared_quantization=True)


def check(op: Op, g: Graph) -> list[str]:
    return resize_common.check(op, g, ("int8", "int16", "float32")) + resize_common.check_rule(op, nearest=True)


def macs(op: Op, g: Graph) -> int:
    return 0


def source_indices(n_in: int, n_out: int, align_corners: bool, half_pixel_centers: bool) -> np.ndarray:
    """GetNearestNeighbor for 0 <= i < n_out (float32 arithmetic, std::round / std::floor)."""
    scale = resize_common.float_scale(n_in, n_out, align_corners)
    offset = np.float32(0.5 if half_pixel_centers else 0.0)
    pos = (np.arange(n_out).astype(np.float32) + offset) * scale
    # pos >= 0; std::round is half away from zero, exact in float64 (x + 0.5f could round up in float32).
    idx = np.floor(pos.astype(np.float64) + 0.5) if align_corners else np.floor(pos)
    idx = np.minimum(idx.astype(np.int64), n_in - 1)
    return np.maximum(idx, 0) if half_pixel_centers else idx


def tables(op: Op, g: Graph) -> tuple[np.ndarray, np.ndarray]:
    """(source rows, source columns) of the output's rows and columns."""
    (_, h, w, _), (_, oh, ow, _) = g.tensor(op.inputs[0]).shape, g.tensor(op.outputs[0]).shape
    if resize_common.onnx_rule(op) is not None:
        return resize_common.onnx_nearest(op, 0, h, oh), resize_common.onnx_nearest(op, 1, w, ow)
    ac, hpc = op.attrs["align_corners"], op.attrs["half_pixel_centers"]
    return source_indices(h, oh, ac, hpc), source_indices(w, ow, ac, hpc)


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    rows, cols = tables(op, g)
    return [np.ascontiguousarray(inputs[0][:, rows][:, :, cols])]
