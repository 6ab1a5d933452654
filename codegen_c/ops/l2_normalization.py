"""L2_NORMALIZATION kernel (templates/ops/l2_normalization.c.j2): per row of the last axis, the
sum of squares, then (int8) GetInvSqrtQuantizedMultiplierExp written out in the row loop with the
constants of aot/ops/l2_normalization.py. Reads a row whole before writing it: runs in place."""
from __future__ import annotations

from aot.core.ir import Op
from aot.ops import l2_normalization as l2n
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel, first_input


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x = ctx.graph.tensor(op.inputs[0])
    depth = x.shape[-1]
    return {"quantized": x.dtype == "int8", "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
            "rows": x.size // depth if depth else 0, "depth": depth,
            "zp": x.quant.tensor_zero_point if x.quant is not None else 0, "eps": c_float(float(l2n.EPSILON)),
            "half_three": l2n.HALF_THREE, "half_sqrt_2": l2n.HALF_SQRT_2, "out_bits": l2n.OUTPUT_SCALE_BITS}


KERNELS = (Kernel("portable", "ops/l2_normalization.c.j2", lower, overwrites=first_input),)
