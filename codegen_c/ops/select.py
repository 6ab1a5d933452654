from __future__ import annotations

from aot.core.ir import Graph, Op
from codegen_c.cfmt import ctype
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.nd import affine, broadcast_strides


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    out = g.tensor(op.outputs[0])
    return {
        "VT": ctype(out.dtype), "c": ctx.ptr(op.inputs[0]), "x": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.inputs[2]),
        "out": ctx.ptr(op.outputs[0], writable=True), "dims": list(out.shape),
        "ic": affine(broadcast_strides(g.tensor(op.inputs[0]).shape, out.shape)),
        "ix": affine(broadcast_strides(g.tensor(op.inputs[1]).shape, out.shape)),
        "iy": affine(broadcast_strides(g.tensor(op.inputs[2]).shape, out.shape)),
    }


def value_inputs(op: Op, g: Graph) -> tuple[int, ...]:
    """The values of the output's shape and type: element i of each is read before it is written."""
    out = g.tensor(op.outputs[0])
    return tuple(k for k in (1, 2) if g.tensor(op.inputs[k]).shape == out.shape and g.tensor(op.inputs[k]).dtype == out.dtype)


KERNELS = (Kernel("portable", "ops/select.c.j2", lower, overwrites=value_inputs),)
