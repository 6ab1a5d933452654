from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.nd import affine, strides

# (initial value, combine(acc, v)) of each aot.ops.reduce function
COMBINE = {
    "mean": ("0.0f", "acc + v"), "sum": ("0.0f", "acc + v"), "prod": ("1.0f", "acc * v"),
    "max": ("(-INFINITY)", "v > acc ? v : acc"), "min": ("INFINITY", "v < acc ? v : acc"),
}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x, y = ctx.graph.tensor(op.inputs[0]), ctx.graph.tensor(op.outputs[0])
    axes = op.attrs["axes"]
    kept = [1 if a in axes else n for a, n in enumerate(x.shape)]  # the output shape with kept dims
    dst = [0 if a in axes else s for a, s in enumerate(strides(tuple(kept)))]
    init, combine = COMBINE[op.attrs["fn"]]
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "dims": list(x.shape),
            "out_size": y.size, "dst": affine(dst), "init": init, "combine": combine,
            "count": x.size // max(y.size, 1) if op.attrs["fn"] == "mean" else None}


KERNELS = (Kernel("portable", "ops/reduce.c.j2", lower),)
