"""FULLY_CONNECTED for cores with Helium (fully_connected_mve.c.j2): the weight rows in blocks
of 4 against each input row with VMLADAVA (aot_mve_mm in aot_mve.h), the input offset in the
bias, requantisation in vector form (codegen_c/mve.py)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from codegen_c import mve
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def applies(op: Op, g: Graph) -> bool:
    return mve.int8_mve_ok(op, g, product_in_float=True)


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    w = g.tensor(op.inputs[1]).data.astype(np.int8)
    return {
        **mve.matrix_vars(index, op, ctx, w, product_in_float=True),
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "B": g.tensor(op.inputs[0]).size // w.shape[1],
    }


MVE_KERNELS = (
    Kernel("mve", "ops/fully_connected_mve.c.j2", lower, features=mve.MVE, runtime=mve.RUNTIME, applies=applies),
)
