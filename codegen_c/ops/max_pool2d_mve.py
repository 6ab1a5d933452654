"""MAX_POOL_2D for cores with Helium (max_pool2d_mve.c.j2): int8, 16 channels per vector
(VMAX.S8), any channel count (the last vector predicated); the template variables are the
portable kernel's (codegen_c/ops/average_pool2d.py lower)."""
from __future__ import annotations

from aot.core.ir import Graph, Op
from codegen_c import mve
from codegen_c.kernel import Kernel


def applies(op: Op, g: Graph) -> bool:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    return x.dtype == y.dtype == "int8" and len(x.shape) == 4


def mve_kernels(lower) -> tuple[Kernel, ...]:
    """The kernel, rendered from the portable kernel's ``lower``."""
    return (Kernel("mve", "ops/max_pool2d_mve.c.j2", lower, features=mve.MVE, runtime=mve.RUNTIME, applies=applies),)
