"""ONNX Resize (opsets 10 to 19) and Upsample (7, 9): nearest and linear interpolation of two axes,
onto the resize_nearest / resize_bilinear kinds with ONNX's coordinate rule as their attributes
(aot/ops/resize_common.py: onnxruntime's float32 source positions, nearest rounding and weights).

The resized axes are H and W of an NCHW tensor (transposed to NHWC around the kernel, as a conv),
of an NHWC one (run as it is), or the last axis of a 3-D [N, C, L] tensor (as [N, C, 1, L]).
Every other axis must have a scale of one (onnxruntime leaves such an axis as it is, whatever the rule).
"""
from __future__ import annotations

import numpy as np

from aot.frontends.onnx_builder import Builder, Unsupported, inp
from aot.ops.resize_common import ONNX_MODES, onnx_positions

_TO_NHWC, _TO_NCHW = (0, 2, 3, 1), (0, 3, 1, 2)


def _scales(b: Builder, node, attrs: dict, in_shape) -> tuple[np.ndarray, bool]:
    """The float32 scale of every axis, as onnxruntime takes it (given, or out / in from sizes), and
    whether it was given."""
    rank = len(in_shape)
    if node.op_type == "Upsample" and b.opset < 9:
        return np.asarray(attrs["scales"], np.float32), True
    scales_at = 2 if node.op_type == "Resize" and b.opset >= 11 else 1
    axes = [a % rank for a in attrs.get("axes", range(rank))]
    full = np.ones(rank, np.float32)
    scales = inp(node, scales_at)
    given = b.require_const(scales, "scales") if scales is not None else np.zeros(0)
    if given.size:
        full[axes] = given.astype(np.float32)
        return full, True
    sizes = inp(node, 3)
    if sizes is None:
        raise Unsupported("neither scales nor sizes is given")
    sizes = b.require_const(sizes, "sizes").reshape(-1)
    full[axes] = [np.float32(o) / np.float32(in_shape[a]) for o, a in zip(sizes, axes)]
    policy = attrs.get("keep_aspect_ratio_policy", "stretch")
    if policy != "stretch":
        one = (np.min if policy == "not_larger" else np.max)(full[axes])
        full[axes] = one
    return full, False


def _crop(b: Builder, node, attrs: dict, in_shape, out_shape, scales, hw) -> tuple:
    """tf_crop_and_resize's (start, end) of the resized axes, from a constant roi; every source
    position inside the input (onnxruntime's extrapolation_value beyond it is not supported)."""
    rank = len(in_shape)
    axes = [a % rank for a in attrs.get("axes", range(rank))]
    roi = b.require_const(inp(node, 1), "roi").astype(np.float32).reshape(-1) if inp(node, 1) else np.zeros(0, np.float32)
    if roi.size != 2 * len(axes):
        raise Unsupported(f"roi of {roi.size} values for {len(axes)} axes")
    starts, ends = np.zeros(rank, np.float32), np.ones(rank, np.float32)
    starts[axes], ends[axes] = roi[:len(axes)], roi[len(axes):]
    if any((starts[a], ends[a]) != (0, 1) and scales[a] == 1 and in_shape[a] == out_shape[a] for a in range(rank)):
        raise Unsupported("tf_crop_and_resize cropping an axis of scale one: onnxruntime leaves it as it is, "
                          "the ONNX reference crops it")
    crop = tuple((0.0, 1.0) if a is None else (float(starts[a]), float(ends[a])) for a in hw)
    for a, (start, end) in zip(hw, crop):
        n = 1 if a is None else in_shape[a]
        pos = onnx_positions(n, 1 if a is None else out_shape[a], 1.0 if a is None else float(scales[a]), "tf_crop_and_resize", (start, end))
        if pos.min(initial=0) < 0 or pos.max(initial=0) > n - 1:
            raise Unsupported(f"tf_crop_and_resize with roi {roi.tolist()} reads outside the input "
                              "(extrapolation_value is not supported)")
    return crop


def _resize(b: Builder, node, attrs: dict) -> None:
    mode = attrs.get("mode", "nearest")
    if mode not in ("nearest", "linear"):
        raise Unsupported(f"mode {mode!r} is not supported (nearest, linear)")
    if attrs.get("antialias"):
        raise Unsupported("antialias is not supported")
    onnx_11 = node.op_type == "Resize" and b.opset >= 11
    coord = attrs.get("coordinate_transformation_mode", "half_pixel") if onnx_11 else "asymmetric"
    if coord not in ONNX_MODES:
        raise Unsupported(f"coordinate_transformation_mode {coord!r} is not supported ({', '.join(ONNX_MODES)})")
    nearest = (attrs.get("nearest_mode", "round_prefer_floor") if onnx_11 else "simple") if mode == "nearest" else None
    x, y = b.value(node.input[0]), node.output[0]
    in_shape, out_shape = b.shape(x), b.shape(y)
    scales, given = _scales(b, node, attrs, in_shape)
    rank = len(in_shape)
    sized = [float(s) * i for s, i in zip(scales, in_shape)]  # the ONNX reference's output lengths
    if given and (coord == "align_corners" and any(v != int(v) for v in sized)
                  or coord == "pytorch_half_pixel" and any(1 < v < 2 for v in sized)):
        raise Unsupported(f"{coord} with scales {[float(v) for v in scales]} giving output sizes of {[round(v, 4) for v in sized]}, "
                          "not whole: onnxruntime (the whole size) and the ONNX reference (this one) differ")
    fixed = [a for a in range(rank) if scales[a] == 1 and in_shape[a] == out_shape[a]]  # onnxruntime: as they are
    if rank == 4 and {0, 1} <= set(fixed):
        hw, layout = (2, 3), "NCHW"
    elif rank == 4 and {0, 3} <= set(fixed):
        hw, layout = (1, 2), "NHWC"
    elif rank == 3 and {0, 1} <= set(fixed):
        hw, layout = (None, 2), "NCL"
    else:
        raise Unsupported(f"resizing {list(in_shape)} to {list(out_shape)} is not supported "
                          "(H and W of a 4-D tensor, or the last axis of a 3-D one)")
    kind = "resize_nearest" if mode == "nearest" else "resize_bilinear"
    rule = {"align_corners": False, "half_pixel_centers": False, "coordinate_mode": coord,
            "scale": tuple(1.0 if a is None else float(scales[a]) for a in hw)}
    if coord == "tf_crop_and_resize":
        rule["roi"] = _crop(b, node, attrs, in_shape, out_shape, scales, hw)
    if nearest is not None:
        rule["nearest_mode"] = nearest
    if layout == "NHWC":
        b.emit(kind, [x], [b.value(y)], **rule)
        return
    if layout == "NCL":
        x = b.reshape(x, (in_shape[0], in_shape[1], 1, in_shape[2]))
    n, c, h, w = b.shape(x)
    oh, ow = (out_shape[2], out_shape[3]) if layout == "NCHW" else (1, out_shape[2])
    t = b.new(y, (n, oh, ow, c), b.dtype(x))
    b.emit(kind, [b.transpose(x, _TO_NHWC)], [t], **rule)
    if layout == "NCHW":
        b.transpose(t, _TO_NCHW, out=y)
    else:
        b.reshape(b.transpose(t, _TO_NCHW), out_shape, out=y)


_ATTRS = ("mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
          "extrapolation_value", "antialias", "axes", "keep_aspect_ratio_policy")
RESIZE_CONVERTERS = {"Resize": (_resize, _ATTRS), "Upsample": (_resize, ("mode", "scales"))}
