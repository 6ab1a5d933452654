from __future__ import annotations

from aot.core.ir import Graph, Op
from codegen_c.cfmt import ctype
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x, y = ctx.graph.tensor(op.inputs[0]), ctx.graph.tensor(op.outputs[0])
    via_int32 = x.dtype == "float32" and y.dtype in ("int8", "uint8", "int16")  # wrap like the reference
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "size": x.size,
            "OT": ctype(y.dtype), "via": "(int32_t)" if via_int32 else ""}


def narrowing(op: Op, g: Graph) -> tuple[int, ...]:
    """In place when an output element is no wider than an input element: element i is read
    before it is written, and its bytes lie at or before the input element i's."""
    return (0,) if g.tensor(op.outputs[0]).np_dtype.itemsize <= g.tensor(op.inputs[0]).np_dtype.itemsize else ()


KERNELS = (Kernel("portable", "ops/cast.c.j2", lower, overwrites=narrowing),)
