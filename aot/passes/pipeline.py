"""The default pass pipeline, in order (the compiler runs it once, for every frontend)."""
from __future__ import annotations

from aot.core.ir import Graph
from aot.passes.dce import dce
from aot.passes.fold_affine import fold_affine
from aot.passes.fold_constants import fold_constants
from aot.passes.fuse_activation import fuse_activation
from aot.passes.fuse_pad import fuse_pad
from aot.passes.layout import layout
from aot.passes.qdq import qdq


def optimize(g: Graph) -> Graph:
    g = dce(fold_constants(g, keep=("dequantize",)))
    g = dce(layout(g))
    g = dce(qdq(g))
    g = dce(fold_constants(g))
    g = dce(fold_affine(g))
    g = dce(fuse_activation(g))
    g = fuse_pad(g)
    return dce(layout(g))
