from __future__ import annotations

from aot.core.ir import Op
from aot.ops import log_softmax
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel, first_input
from codegen_c.ops.softmax import exp_vars, row_vars


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    v = row_vars(op, ctx)
    if v["quantized"]:
        p = log_softmax.params(op, ctx.graph)
        v.update(exp_vars(p.exp), reverse_divisor=p.reverse_scaling_divisor, reverse_shift=p.reverse_scaling_shift,
                 out_shift=log_softmax.OUTPUT_SHIFT)
    return v


KERNELS = (Kernel("portable", "ops/log_softmax.c.j2", lower, overwrites=first_input),)
