from __future__ import annotations

import numpy as np

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    y = g.tensor(op.outputs[0])
    axis = op.attrs["axis"]
    inner = int(np.prod(y.shape[axis + 1:], dtype=np.int64))
    return {"y": ctx.ptr(op.outputs[0], writable=True), "outer": int(np.prod(y.shape[:axis], dtype=np.int64)),
            "parts": [{"x": ctx.ptr(n), "size": g.tensor(n).shape[axis] * inner} for n in op.inputs]}


KERNELS = (Kernel("portable", "ops/concat.c.j2", lower),)
