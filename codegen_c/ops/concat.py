from __future__ import annotations

import numpy as np

from aot.ir import Op
from codegen_c.context import LoweringContext


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    g = ctx.graph
    y = g.t(op.outputs[0])
    axis = op.attrs["axis"]
    inner = int(np.prod(y.shape[axis + 1:], dtype=np.int64))
    return {"y": ctx.ptr(op.outputs[0], writable=True), "outer": int(np.prod(y.shape[:axis], dtype=np.int64)),
            "parts": [{"x": ctx.ptr(n), "size": g.t(n).shape[axis] * inner} for n in op.inputs]}
