"""AVERAGE_POOL_2D: mean over the window's in-bounds cells (padding excluded from the count).

int8 rounds the division half away from zero, as TFLM's reference kernel does.
attrs (besides pool_common's): count_include_pad (ONNX; default False) divides by the whole
window instead.
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import pool_common
from aot.ops.pool_common import check, macs  # noqa: F401  (the op's faces)
from aot.ops.traits import OpTraits

TRAITS = OpTraits(fused_activation=True, shared_quantization=True)


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x = inputs[0]
    wide = np.float64 if x.dtype == np.float32 else np.int64
    patches, masks = pool_common.windows(op, g, x.astype(wide), 0)
    total = sum(patches)
    count = sum(masks).astype(np.int64)
    if op.attrs.get("count_include_pad"):
        count = np.full_like(count, len(masks))
    if x.dtype == np.float32:
        return [pool_common.clamp(op, g, total / count)]
    half = count // 2
    num = np.where(total > 0, total + half, total - half)
    avg = np.sign(num) * (np.abs(num) // count)  # C's truncating division
    return [pool_common.clamp(op, g, avg)]
