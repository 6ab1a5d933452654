"""BATCH_MATMUL kernel (templates/ops/batch_matmul.c.j2): one dot product of K per output element,
the operands' start offsets affine in the output's indices (0 along broadcast batch axes, the
adjoint layouts as strides)."""
from __future__ import annotations

from aot.core.ir import Op
from aot.ops import batch_matmul
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.nd import affine, broadcast_strides, strides
from codegen_c.ops.output_stage import output_stage_vars


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    lhs, rhs, y = g.tensor(op.inputs[0]).shape, g.tensor(op.inputs[1]).shape, g.tensor(op.outputs[0]).shape
    k = batch_matmul.operand_shapes(op, g)[0][-1]
    m, n = y[-2:]
    # (m, k) strides of A and (k, n) strides of B in their stored layouts
    a_mk = (1, m) if op.attrs["adj_x"] else (k, 1)
    b_kn = (1, k) if op.attrs["adj_y"] else (n, 1)
    a_batch = broadcast_strides(lhs[:-2], y[:-2]) if len(y) > 2 else []
    b_batch = broadcast_strides(rhs[:-2], y[:-2]) if len(y) > 2 else []
    a_batch = [s * strides(lhs)[-3] if len(lhs) > 2 else 0 for s in a_batch]
    b_batch = [s * strides(rhs)[-3] if len(rhs) > 2 else 0 for s in b_batch]
    return {
        **output_stage_vars(index, op, ctx, product_in_float=True),
        "a": ctx.ptr(op.inputs[0]), "b": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "dims": list(y), "K": k, "a_k": a_mk[1], "b_k": b_kn[0],
        "a_src": affine([*a_batch, a_mk[0], 0]), "b_src": affine([*b_batch, 0, b_kn[1]]),
    }


KERNELS = (Kernel("portable", "ops/batch_matmul.c.j2", lower),)
