"""Single-op models: PACK, UNPACK, SPLIT, SPLIT_V (several inputs or outputs), DEPTH_TO_SPACE,
SPACE_TO_DEPTH, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, BROADCAST_TO, REVERSE_V2."""
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


def _space_depth(rng: np.random.Generator, dtype: str, to_depth: bool) -> bytes:
    m = Model(rng, dtype)
    b = int(rng.integers(1, 4))
    n, h, w, c = m.batch(), int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    small, big = (n, h, w, c * b * b), (n, h * b, w * b, c)
    x = m.input("x", big if to_depth else small)
    y = m.output(small if to_depth else big, quant=(x.scale, x.zero_point))
    return m.finish("SPACE_TO_DEPTH" if to_depth else "DEPTH_TO_SPACE", [x], [y], block_size=b)


def make_depth_to_space(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _space_depth(rng, dtype, False)


def make_space_to_depth(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _space_depth(rng, dtype, True)


def make_space_to_batch_nd(rng: np.random.Generator, dtype: str = "int8", padded: bool = False) -> bytes:
    """4-D NHWC (2 block axes) or 3-D NWC (1); paddings (if ``padded``) make each spatial axis a
    block multiple, else the axes are multiples (tflite-micro pads with an uninitialised value)."""
    m = Model(rng, dtype)
    spatial = int(rng.integers(1, 3))
    block = [int(v) for v in rng.integers(1, 4, spatial)]
    dims = [int(v) * (1 if padded else b) for v, b in zip(rng.integers(1, 6 if padded else 3, spatial), block)]
    pads = []
    for n, b in zip(dims, block):
        total = -n % b + b * int(rng.integers(0, 2)) if padded else 0
        before = int(rng.integers(0, total + 1))
        pads.append([before, total - before])
    c = int(rng.integers(1, 4))
    x = m.input("x", [m.batch(), *dims, c])
    out = [x.shape[0] * int(np.prod(block)), *((n + sum(p)) // b for n, p, b in zip(dims, pads, block)), c]
    y = m.output(out, quant=(x.scale, x.zero_point))
    return m.finish("SPACE_TO_BATCH_ND", [x, i32(m, "block_shape", block), i32(m, "paddings", pads)], [y],
                    table="SpaceToBatchNDOptions")


def make_batch_to_space_nd(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    spatial = int(rng.integers(1, 3))
    block = [int(v) for v in rng.integers(1, 4, spatial)]
    dims = [int(v) for v in rng.integers(1, 4, spatial)]
    crops = []
    for n, b in zip(dims, block):
        total = int(rng.integers(0, min(b, n * b)))
        before = int(rng.integers(0, total + 1))
        crops.append([before, total - before])
    c, batch = int(rng.integers(1, 4)), m.batch()
    x = m.input("x", [batch * int(np.prod(block)), *dims, c])
    y = m.output([batch, *(n * b - sum(cr) for n, b, cr in zip(dims, block, crops)), c], quant=(x.scale, x.zero_point))
    return m.finish("BATCH_TO_SPACE_ND", [x, i32(m, "block_shape", block), i32(m, "crops", crops)], [y],
                    table="BatchToSpaceNDOptions")


def make_broadcast_to(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    out = random_shape(rng, int(rng.integers(1, 5)), 4)
    shape = [1 if rng.random() < 0.5 else n for n in out[len(out) - int(rng.integers(1, len(out) + 1)):]]
    x = m.input("x", shape)
    y = m.output(out, quant=(x.scale, x.zero_point))
    return m.finish("BROADCAST_TO", [x, i32(m, "shape", out)], [y], table=None)


def make_reverse_v2(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5)), 5))
    first = int(rng.integers(len(x.shape)))  # tflite-micro takes contiguous axes only
    axes = list(range(first, int(rng.integers(first + 1, len(x.shape) + 1))))
    y = m.output(x.shape, quant=(x.scale, x.zero_point))
    return m.finish("REVERSE_V2", [x, i32(m, "axis", axes)], [y])


GENERATORS = {
    "pack": (make_pack, BOTH),
    "unpack": (make_unpack, BOTH),
    "split": (make_split, BOTH),
    "split_v": (make_split_v, BOTH),
    "depth_to_space": (make_depth_to_space, BOTH),
    "space_to_depth": (make_space_to_depth, BOTH),
    "space_to_batch_nd": (make_space_to_batch_nd, BOTH),
    "batch_to_space_nd": (make_batch_to_space_nd, BOTH),
    "broadcast_to": (make_broadcast_to, BOTH),
    "reverse_v2": (make_reverse_v2, BOTH),
    "space_to_batch_nd_padded": (lambda rng, dtype: make_space_to_batch_nd(rng, dtype, True), BOTH),
}
NOT_FOR_TFLM = {"space_to_batch_nd_padded"}  # tflite-micro pads with an uninitialised value
