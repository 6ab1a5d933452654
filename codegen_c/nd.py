"""Index arithmetic for the N-D loops of templates/ops/nd.j2 (indices i0, i1, ...)."""
from __future__ import annotations

from codegen_c.cexpr import Affine, nd_index, value


def strides(shape: tuple[int, ...]) -> list[int]:
    """Row-major element strides of ``shape``."""
    out, step = [], 1
    for d in reversed(shape):
        out.append(step)
        step *= d
    return list(reversed(out))


def affine(coefs: list[int], base: int = 0) -> Affine:
    """``i0 * c0 + i1 * c1 + ... + base``; the template binds the indices to its loops'
    (Affine.bind: 0 for an axis of one element)."""
    return sum((value(nd_index(d)) * c for d, c in enumerate(coefs)), Affine((), base))


def broadcast_strides(shape: tuple[int, ...], out: tuple[int, ...]) -> list[int]:
    """Element strides of ``shape`` read as ``out`` (0 along broadcast axes), one per output axis."""
    shape = (1,) * (len(out) - len(shape)) + tuple(shape)
    return [s if d > 1 else 0 for d, s in zip(shape, strides(shape))]
