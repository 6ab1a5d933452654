"""What RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR share: NHWC input and output of the same batch
and channels (the output's H and W are the target size), one per-tensor quantisation for int8,
TFLite's scale of one axis, and ONNX Resize's coordinate rules (the ONNX frontend's attributes)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op


def check(op: Op, g: Graph, dtypes: tuple[str, ...] = ("int8", "float32")) -> list[str]:
    """The shapes and types (``dtypes``) of a resize."""
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if len(x.shape) != 4 or len(y.shape) != 4 or (x.shape[0], x.shape[3]) != (y.shape[0], y.shape[3]):
        return [f"resize of {list(x.shape)} to {list(y.shape)} is not an NHWC resize of H and W"]
    if x.dtype != y.dtype or x.dtype not in dtypes:
        return [f"resize takes {' or '.join(dtypes)} to the same type, not {x.dtype} to {y.dtype}"]
    if x.quant is not None and (not x.quant.per_tensor or y.quant is None or x.quant.to_json() != y.quant.to_json()):
        return [f"{x.dtype} resize needs input and output quantised alike (per-tensor)"]
    return []


def float_scale(n_in: int, n_out: int, align_corners: bool) -> np.float32:
    """TFLite's float scale of one axis: in / out, or (in - 1) / (out - 1) with align_corners."""
    if align_corners and n_out > 1:
        return np.float32(n_in - 1) / np.float32(n_out - 1)
    return np.float32(n_in) / np.float32(n_out)


# ONNX Resize's coordinate rules (attrs["coordinate_mode"]; absent or "tflite": TFLite's
# align_corners / half_pixel_centers): the source position of every output index in float32, as
# onnxruntime computes it (upsamplebase.h) from the node's scale of the axis (attrs["scale"]: H, W)
# and, for tf_crop_and_resize, its region (attrs["roi"]: (start, end) of H and of W).
ONNX_MODES = ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn",
              "half_pixel_symmetric", "tf_crop_and_resize")
# nearest_mode: ONNX's four, and "simple" (Upsample, Resize-10: truncate, or ceil when downsampling)
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple")


def onnx_rule(op: Op) -> str | None:
    mode = op.attrs.get("coordinate_mode", "tflite")
    return None if mode == "tflite" else mode


def check_rule(op: Op, nearest: bool) -> list[str]:
    """Problems with an ONNX coordinate rule's attributes (none for TFLite's)."""
    mode = onnx_rule(op)
    if mode is None:
        return []
    if mode not in ONNX_MODES:
        return [f"coordinate mode {mode!r} is not one of {', '.join(ONNX_MODES)}"]
    if nearest and op.attrs.get("nearest_mode") not in NEAREST_MODES:
        return [f"nearest mode {op.attrs.get('nearest_mode')!r} is not one of {', '.join(NEAREST_MODES)}"]
    if len(op.attrs.get("scale", ())) != 2 or min(op.attrs["scale"]) <= 0:
        return ["an ONNX coordinate rule needs a positive scale of H and W"]
    return []


def onnx_positions(n_in: int, n_out: int, scale: float, mode: str, roi=(0.0, 1.0)) -> np.ndarray:
    """The float32 source coordinate of every output index (GetOriginalCoordinateFromResizedCoordinate);
    a scale of one maps every index onto itself (onnxruntime does, whatever the rule)."""
    x, s, half = np.arange(n_out).astype(np.float32), np.float32(scale), np.float32(0.5)
    if s == 1 and n_in == n_out:
        return x
    if mode == "asymmetric":
        return x / s
    if mode == "tf_half_pixel_for_nn":
        return (x + half) / s
    if mode == "align_corners":
        return x * np.float32(n_in - 1) / np.float32(n_out - 1) if n_out > 1 else np.zeros(n_out, np.float32)
    if mode == "tf_crop_and_resize":
        start, end, last = np.float32(roi[0]), np.float32(roi[1]), np.float32(n_in - 1)
        if n_out > 1:
            return start * last + x * (end - start) * last / np.float32(n_out - 1)
        return np.full(n_out, 0.5 * np.float64(start + end) * np.float64(last), np.float32)
    if mode == "half_pixel_symmetric":  # partly in double, as onnxruntime
        adjustment = np.float32(n_out) / (s * np.float32(n_in))
        offset = np.float64(np.float32(n_in) / np.float32(2) * (np.float32(1) - adjustment))
        return (offset + (x.astype(np.float64) + 0.5) / np.float64(s) - 0.5).astype(np.float32)
    if mode == "pytorch_half_pixel" and n_out <= 1:
        return np.zeros(n_out, np.float32)
    return (x + half) / s - half  # half_pixel, pytorch_half_pixel


def _axis_positions(op: Op, axis: int, n_in: int, n_out: int) -> np.ndarray:
    """onnx_positions of the op's H (axis 0) or W (axis 1)."""
    roi = op.attrs.get("roi", ((0.0, 1.0), (0.0, 1.0)))[axis]
    return onnx_positions(n_in, n_out, op.attrs["scale"][axis], op.attrs["coordinate_mode"], roi)


def onnx_nearest(op: Op, axis: int, n_in: int, n_out: int) -> np.ndarray:
    """The source index of every output index (GetNearestPixelFromOriginal), clamped to the input."""
    pos = _axis_positions(op, axis, n_in, n_out).astype(np.float64)  # exact: float32 values
    rounded = np.sign(pos) * np.floor(np.abs(pos) + 0.5)  # std::round: half away from zero
    nearest_mode = op.attrs["nearest_mode"]
    if nearest_mode == "round_prefer_floor":
        idx = np.where(pos == np.trunc(pos) + 0.5, np.floor(pos), rounded)
    elif nearest_mode == "round_prefer_ceil":
        idx = rounded
    elif nearest_mode == "floor":
        idx = np.floor(pos)
    elif nearest_mode == "ceil":
        idx = np.ceil(pos)
    else:  # simple
        idx = np.ceil(pos) if np.float32(op.attrs["scale"][axis]) < 1 else np.trunc(pos)
    return np.clip(idx.astype(np.int64), 0, n_in - 1)


def onnx_linear(op: Op, axis: int, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lo, hi, weight of hi) of every output index, as onnxruntime's bilinear setup: the position
    clamped to the input, lo its integer part, hi the next index (clamped), the weight in float32."""
    pos = np.clip(_axis_positions(op, axis, n_in, n_out), np.float32(0), np.float32(n_in - 1))
    lo = np.minimum(pos.astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, (pos - lo.astype(np.float32)).astype(np.float32)
