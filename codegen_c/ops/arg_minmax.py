from __future__ import annotations

import numpy as np

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x = ctx.graph.tensor(op.inputs[0])
    axis = op.attrs["axis"]
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
            "outer": int(np.prod(x.shape[:axis], dtype=np.int64)), "n": x.shape[axis],
            "inner": int(np.prod(x.shape[axis + 1:], dtype=np.int64)), "cmp": (">" if op.attrs["fn"] == "max" else "<") + ("=" if op.attrs.get("last") else "")}


KERNELS = (Kernel("portable", "ops/arg_minmax.c.j2", lower),)
