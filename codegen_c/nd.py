"""Index arithmetic for the N-D loops of templates/ops/nd.j2 (indices i0, i1, ...)."""
from __future__ import annotations


def strides(shape: tuple[int, ...]) -> list[int]:
    """Row-major element strides of ``shape``."""
    out, step = [], 1
    for d in reversed(shape):
        out.append(step)
        step *= d
    return list(reversed(out))


def affine(coefs: list[int], base: int = 0) -> str:
    """C expression ``base + i0 * c0 + ...`` (terms with a zero coefficient left out)."""
    terms = [str(base)] if base else []
    terms += [f"i{d} * {c}" if c != 1 else f"i{d}" for d, c in enumerate(coefs) if c]
    return " + ".join(terms) or "0"


def broadcast_strides(shape: tuple[int, ...], out: tuple[int, ...]) -> list[int]:
    """Element strides of ``shape`` read as ``out`` (0 along broadcast axes), one per output axis."""
    shape = (1,) * (len(out) - len(shape)) + tuple(shape)
    return [s if d > 1 else 0 for d, s in zip(shape, strides(shape))]
