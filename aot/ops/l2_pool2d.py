"""L2_POOL_2D, float32 only (as TFLM): sqrt of the mean of x^2 over the window's in-bounds cells,
clamped by the fused activation. attrs as pool_common's: filter, stride, pad, activation."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import pool_common
from aot.ops.pool_common import macs  # noqa: F401  (the op's faces)
from aot.ops.traits import OpTraits

TRAITS = OpTraits(fused_activation=True)


def check(op: Op, g: Graph) -> list[str]:
    x = g.tensor(op.inputs[0])
    if x.dtype != "float32" or g.tensor(op.outputs[0]).dtype != "float32":
        return [f"{x.dtype} L2 pooling is not supported (TFLite Micro has float32 only)"]
    return pool_common.check(op, g)


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    patches, masks = pool_common.windows(op, g, inputs[0].astype(np.float64), 0)
    return [pool_common.clamp(op, g, np.sqrt(sum(p * p for p in patches) / sum(masks)))]
