from __future__ import annotations

import numpy as np

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.nd import strides


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x, idx = ctx.graph.tensor(op.inputs[0]), ctx.graph.tensor(op.inputs[1])
    k = idx.shape[-1]
    return {"x": ctx.ptr(op.inputs[0]), "idx": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
            "count": int(np.prod(idx.shape[:-1], dtype=np.int64)), "inner": int(np.prod(x.shape[k:], dtype=np.int64)),
            "coords": [{"n": n, "stride": s} for n, s in zip(x.shape[:k], strides(x.shape)[:k])],
            "wrap_negative": bool(op.attrs.get("wrap_negative"))}


KERNELS = (Kernel("portable", "ops/gather_nd.c.j2", lower),)
