"""RESIZE_BILINEAR of NHWC H and W, int8 or float32, as TFLite Micro's reference kernels.

Each output row oy reads input rows lo[oy] and hi[oy] with weight frac[oy] on hi (likewise the
columns); these are compile-time constants. float32: ResizeBilinear (reference_ops/resize_bilinear.h),
the weights in float32 and the sum x00*(1-fy)*(1-fx) + x10*fy*(1-fx) + x01*(1-fy)*fx + x11*fy*fx in
that order. int8: ResizeBilinearInteger, weights in 1/1024 from integer scales (scale_10), the
2^20-scaled sum rounded half away from zero, on the stored integers (input and output share one
quantisation).

attrs: align_corners, half_pixel_centers (TFLite); or ONNX's rule (aot/ops/resize_common.py, float32
only: onnxruntime's weights): coordinate_mode, scale (of H and W) and roi.
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import resize_common
from aot.ops.traits import OpTraits

TRAITS = OpTraits(shared_quantization=True)

ONE = 1 << 10  # the integer kernel's 1.0


def check(op: Op, g: Graph) -> list[str]:
    problems = resize_common.check(op, g) + resize_common.check_rule(op, nearest=False)
    if resize_common.onnx_rule(op) is not None:
        if g.tensor(op.inputs[0]).dtype != "float32":
            problems.append("an ONNX coordinate rule is supported in float32 only")
        return problems
    if op.attrs["align_corners"] and op.attrs["half_pixel_centers"]:
        problems.append("align_corners and half_pixel_centers cannot both be set")
    x = g.tensor(op.inputs[0])
    if not problems and any(lo.max(initial=0) >= n for (lo, _, _), n in zip(tables(op, g), x.shape[1:3])):
        problems.append("the integer scale of this size reads past the input (as TFLite's would)")
    return problems


def macs(op: Op, g: Graph) -> int:
    return 4 * g.tensor(op.outputs[0]).size


def _axis_float(n_in: int, n_out: int, align_corners: bool, hpc: bool):
    """ComputeInterpolationValues for every output index: (lo, hi, frac) in float32."""
    scale = resize_common.float_scale(n_in, n_out, align_corners)
    v = np.arange(n_out).astype(np.float32)
    pos = (v + np.float32(0.5)) * scale - np.float32(0.5) if hpc else v * scale
    lo = np.maximum(np.floor(pos).astype(np.int64), 0)
    hi = np.minimum(np.ceil(pos).astype(np.int64), n_in - 1)
    return lo, hi, (pos - lo.astype(np.float32)).astype(np.float32)


def _axis_int(n_in: int, n_out: int, align_corners: bool, hpc: bool):
    """ComputeInterpolationValuesInteger for every output index: (lo, hi, frac in 1/1024)."""
    if align_corners and n_out > 1:
        scale = (ONE * (n_in - 1) + (n_out - 1) // 2) // (n_out - 1)
    else:
        scale = (ONE * n_in + n_out // 2) // n_out
    v = np.arange(n_out, dtype=np.int64)
    pos = v * scale + scale // 2 - ONE // 2 if hpc else v * scale
    lo = np.maximum(np.trunc(pos / ONE).astype(np.int64), 0)  # C division truncates
    hi = np.minimum(np.trunc((pos + ONE - 1) / ONE).astype(np.int64), n_in - 1)
    return lo, hi, pos - ONE * lo


def tables(op: Op, g: Graph) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """[(lo, hi, frac) of the rows, of the columns]; frac in float32, or int64 1/1024 for int8."""
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if resize_common.onnx_rule(op) is not None:
        return [resize_common.onnx_linear(op, a - 1, x.shape[a], y.shape[a]) for a in (1, 2)]
    axis = _axis_int if x.dtype == "int8" else _axis_float
    return [axis(x.shape[a], y.shape[a], op.attrs["align_corners"], op.attrs["half_pixel_centers"]) for a in (1, 2)]


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    (y0, y1, fy), (x0, x1, fx) = tables(op, g)
    x = inputs[0]
    if x.dtype == np.float32:
        fy, fx = fy[None, :, None, None], fx[None, None, :, None]
        one = np.float32(1)
        out = (x[:, y0][:, :, x0] * (one - fy) * (one - fx) + x[:, y1][:, :, x0] * fy * (one - fx)
               + x[:, y0][:, :, x1] * (one - fy) * fx + x[:, y1][:, :, x1] * fy * fx)
        return [out.astype(np.float32)]
    xi = x.astype(np.int64)
    fy, fx = fy[None, :, None, None], fx[None, None, :, None]
    acc = (xi[:, y0][:, :, x0] * (ONE - fy) * (ONE - fx) + xi[:, y1][:, :, x0] * fy * (ONE - fx)
           + xi[:, y0][:, :, x1] * (ONE - fy) * fx + xi[:, y1][:, :, x1] * fy * fx)
    half = np.where(acc > 0, 1 << 19, -(1 << 19))
    return [np.trunc((acc + half) / (1 << 20)).astype(np.int8)]
