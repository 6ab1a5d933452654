"""Sliding-window geometry shared by convolutions and pooling (NHWC)."""
from __future__ import annotations

import numpy as np


def same_or_valid(padding: str, in_size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int, int]:
    """TFLite's ComputePaddingHeightWidth for one axis: (out_size, pad_before, pad_after)."""
    eff = (kernel - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size - eff + stride) // stride
    else:
        raise ValueError(f"unknown padding {padding}")
    total = max((out - 1) * stride + eff - in_size, 0)
    return out, total // 2, total - total // 2


def pad_nhwc(x: np.ndarray, pad: tuple[int, int, int, int], value=0) -> np.ndarray:
    top, left, bottom, right = pad
    return np.pad(x, ((0, 0), (top, max(bottom, 0)), (left, max(right, 0)), (0, 0)), constant_values=value)


def taps(xp: np.ndarray, out_hw: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int] = (1, 1)):
    """Yield (i, j, patch) for every kernel tap; patch is [N, OH, OW, C] of a padded input."""
    oh, ow = out_hw
    sh, sw = stride
    dh, dw = dilation
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            h0, w0 = i * dh, j * dw
            yield i, j, xp[:, h0 : h0 + (oh - 1) * sh + 1 : sh, w0 : w0 + (ow - 1) * sw + 1 : sw, :]
