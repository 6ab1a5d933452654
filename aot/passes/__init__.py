"""Graph -> Graph rewrites. Each module holds one pass; ``optimize`` runs the default pipeline
(the compiler calls it once, for every frontend: aot.driver.compiler.prepare). Every pass keeps the
graph's meaning: the NumPy reference gives the same outputs before and after (bit for bit,
except fold_affine's float rounding and qdq's int8 kernels where QDQ said so; see
tests/passes)."""
from __future__ import annotations

from aot.core.ir import Graph


def optimize(g: Graph) -> Graph:
    from aot.passes.dce import dce
    from aot.passes.fold_affine import fold_affine
    from aot.passes.fold_constants import fold_constants
    from aot.passes.fuse_activation import fuse_activation
    from aot.passes.fuse_pad import fuse_pad
    from aot.passes.layout import layout
    from aot.passes.qdq import qdq

    g = dce(fold_constants(g, keep=("dequantize",)))
    g = dce(layout(g))
    g = dce(qdq(g))
    g = dce(fold_constants(g))
    g = dce(fold_affine(g))
    g = dce(fuse_activation(g))
    g = fuse_pad(g)
    return dce(layout(g))
