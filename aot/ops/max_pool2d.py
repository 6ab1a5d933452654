"""MAX_POOL_2D: maximum over the window's in-bounds cells."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import pool_common
from aot.ops.pool_common import check, macs  # noqa: F401  (the op's faces)
from aot.ops.traits import OpTraits

TRAITS = OpTraits(fused_activation=True, commutes_with_quantization=True, shared_quantization=True)


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x = inputs[0]
    lowest = -np.inf if x.dtype == np.float32 else np.iinfo(x.dtype).min
    patches, _ = pool_common.windows(op, g, x, lowest)
    return [pool_common.clamp(op, g, np.maximum.reduce(patches))]
