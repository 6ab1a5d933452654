"""FULLY_CONNECTED for cores with Helium (fully_connected_mve.c.j2): the weight rows in blocks
of 4 against each input row with VMLADAVA (aot_mve_mm in aot_mve.h), the input offset in the
bias, requantisation in vector form (codegen_c/mve.py). float32 (fully_connected_mvef.c.j2, Helium's
float lanes: MVE-F, which the boards with both "mve" and "fpu" have — the Cortex-M55 built
with -mcpu=cortex-m55): 4 weight rows at a time against each input row, 4 lanes of VFMA.F32 per
row, the last 1..3 taps predicated.

float32 rounding: lane j of a row holds bias (lane 0) + the products of taps k = j mod 4, each
added by a fused multiply-add (one rounding per tap); the lanes are summed as (l0 + l1) +
(l2 + l3). A sum reaches the output through at most ceil(K / 4) + 2 roundings (fewer when K < 4:
the lanes without taps are exact zeros), at most K + 1 for every K >= 1: each output is within
(K + 1) * 2^-24 * (|bias| + sum |x * w|) of the exact sum, the bound codegen_c/fpu.py states
for the fpu kernels (tests/ops/test_fpu_variants.py checks it on qemu-mps3-an547)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from codegen_c import fpu, mve
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops.output_stage import output_stage_vars


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


MVEF = mve.MVE | fpu.FPU  # Helium with float lanes (MVE-F)
ROWS_F = 4  # float32 weight rows per block (4 accumulators, one shared input load)


def lower_float(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    n, k = g.tensor(op.inputs[1]).shape
    return {
        **output_stage_vars(index, op, ctx),
        "x": ctx.ptr(op.inputs[0]), "w": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "B": g.tensor(op.inputs[0]).size // k, "N": n, "K": k, "ROWS": ROWS_F,
    }


MVE_KERNELS = (
    Kernel("mve", "ops/fully_connected_mve.c.j2", lower, features=mve.MVE, runtime=mve.RUNTIME, applies=applies),
    Kernel("mvef", "ops/fully_connected_mvef.c.j2", lower_float, features=MVEF, runtime=mve.RUNTIME, applies=fpu.fc_applies),
)
