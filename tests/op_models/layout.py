"""Single-op models: operators of several inputs or outputs (PACK, UNPACK, SPLIT, SPLIT_V)."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import BOTH, Model, i32, random_quant, random_shape


def _parts(rng: np.random.Generator, n: int) -> list[int]:
    """A random composition of n into 1 to 4 positive parts."""
    cuts = sorted(rng.choice(np.arange(1, n), size=min(n - 1, int(rng.integers(0, 4))), replace=False)) if n > 1 else []
    bounds = [0, *[int(c) for c in cuts], n]
    return [b - a for a, b in zip(bounds, bounds[1:])]


def make_pack(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    shape = random_shape(rng, int(rng.integers(0, 4)), 5)
    quant = random_quant(rng)
    n = int(rng.integers(1, 5))
    xs = [m.const_like(f"c{k}", shape, quant) if k and rng.random() < 0.25 else m.input(f"x{k}", shape, quant)
          for k in range(n)]
    axis = int(rng.integers(-len(shape) - 1, len(shape) + 1))
    y_shape = list(shape)
    y_shape.insert(axis % (len(shape) + 1), n)
    y = m.output(y_shape, quant=quant)
    return m.finish("PACK", xs, [y], values_count=n, axis=axis)


def make_unpack(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5)), 5))
    axis = int(rng.integers(-len(x.shape), len(x.shape)))
    n = x.shape[axis]
    y_shape = [d for a, d in enumerate(x.shape) if a != axis % len(x.shape)]
    ys = [m.tensor(f"y{k}", y_shape, (x.scale, x.zero_point)) for k in range(n)]
    return m.finish("UNPACK", [x], ys, num=n, axis=axis)


def _split_like(rng: np.random.Generator, dtype: str, v: bool) -> bytes:
    m = Model(rng, dtype)
    rank = int(rng.integers(1, 5))
    shape = list(random_shape(rng, rank, 5))
    axis = int(rng.integers(-rank, rank))
    if v:
        sizes = _parts(rng, shape[axis])
    else:
        n = int(rng.choice([k for k in range(1, 5)]))
        shape[axis] = n * int(rng.integers(1, 3))
        sizes = [shape[axis] // n] * n
    x = m.input("x", shape)
    ys = []
    for k, s in enumerate(sizes):
        y_shape = list(shape)
        y_shape[axis] = s
        ys.append(m.tensor(f"y{k}", y_shape, (x.scale, x.zero_point)))
    if not v:
        return m.finish("SPLIT", [i32(m, "axis", [axis]), x], ys, num_splits=len(sizes))
    given = list(sizes)
    if len(given) > 1 and rng.random() < 0.3:
        given[int(rng.integers(len(given)))] = -1  # the rest
    return m.finish("SPLIT_V", [x, i32(m, "size_splits", given), i32(m, "axis", [axis])], ys, num_splits=len(sizes))


def make_split(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _split_like(rng, dtype, False)


def make_split_v(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _split_like(rng, dtype, True)


GENERATORS = {
    "pack": (make_pack, BOTH),
    "unpack": (make_unpack, BOTH),
    "split": (make_split, BOTH),
    "split_v": (make_split_v, BOTH),
}
