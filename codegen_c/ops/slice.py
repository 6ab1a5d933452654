from __future__ import annotations

from aot.core.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.nd import affine, strides


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x, y = ctx.graph.tensor(op.inputs[0]), ctx.graph.tensor(op.outputs[0])
    in_strides = strides(x.shape)
    base = sum(s * k for s, k in zip(op.attrs["starts"], in_strides))
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
            "dims": list(y.shape), "src": affine([k * s for k, s in zip(op.attrs["steps"], in_strides)], base)}


KERNELS = (Kernel("portable", "ops/slice.c.j2", lower),)
