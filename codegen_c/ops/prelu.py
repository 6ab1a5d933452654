from __future__ import annotations

from aot.core.ir import Op
from aot.ops import prelu
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops.add import broadcast_vars, same_shape_inputs


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    v = {**broadcast_vars(op, ctx), "quantized": ctx.graph.tensor(op.inputs[0]).dtype == "int8"}
    if v["quantized"]:
        v["p"] = prelu.params(op, ctx.graph)
    return v


KERNELS = (Kernel("portable", "ops/prelu.c.j2", lower, overwrites=same_shape_inputs),)
