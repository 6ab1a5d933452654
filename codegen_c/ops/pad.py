from __future__ import annotations

from aot.core.ir import Op
from codegen_c.cfmt import c_float, c_int
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.nd import strides


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x, y = ctx.graph.tensor(op.inputs[0]), ctx.graph.tensor(op.outputs[0])
    value = op.attrs.get("value", 0)
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "dims": list(y.shape),
            "axes": [{"n": n, "before": b, "stride": s} for n, b, s in zip(x.shape, op.attrs["before"], strides(x.shape))],
            "mode": op.attrs["mode"], "fill": c_float(value) if x.dtype == "float32" else c_int(value)}


KERNELS = (Kernel("portable", "ops/pad.c.j2", lower),)
