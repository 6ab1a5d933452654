"""AVERAGE_POOL_2D for cores with Helium (average_pool2d_mve.c.j2): int8, windows of at most 256
cells (their sums fit 16-bit lanes), 8 channels per vector, any channel count (the last vector
predicated); the template variables are the portable kernel's."""
from __future__ import annotations

from aot.core.ir import Graph, Op
from codegen_c import mve
from codegen_c.kernel import Kernel


def applies(op: Op, g: Graph) -> bool:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    return x.dtype == y.dtype == "int8" and len(x.shape) == 4 and op.attrs["filter"][0] * op.attrs["filter"][1] <= 256


def mve_kernels(lower) -> tuple[Kernel, ...]:
    """The kernel, rendered from the portable kernel's ``lower``."""
    return (Kernel("mve", "ops/average_pool2d_mve.c.j2", lower, features=mve.MVE, runtime=mve.RUNTIME, applies=applies),)
