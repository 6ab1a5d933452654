"""Single-op models: ADD and the binary elementwise builtins (int8, float32, int32)."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import (
    BOTH,
    Model,
    T,
    clamp_range,
    random_quant,
    random_quant16,
    random_shape,
)

FLOAT = ("float32",)


def _broadcast_operand(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with some dims set to 1 and, sometimes, leading dims dropped."""
    dims = tuple(1 if rng.random() < 0.3 else d for d in shape)
    return dims[int(rng.integers(0, len(dims) + 1)):] if rng.random() < 0.3 else dims


def _binary_operands(m: Model, quant: tuple[float, int] | None = None) -> tuple[T, T]:
    """Two operands of a random shape, often broadcast against each other, b sometimes constant;
    int8: quantisation ``quant`` for both (random, each its own, if None)."""
    rng = m.rng
    full = random_shape(rng, int(rng.integers(1, 5)))
    shapes = [full, full] if rng.random() < 0.4 else [_broadcast_operand(rng, full) for _ in range(2)]
    rng.shuffle(shapes)
    a = m.input("a", shapes[0], quant)
    return a, m.const_like("b", shapes[1], quant) if rng.random() < 0.3 else m.input("b", shapes[1], quant)


def make_add(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    a, b = _binary_operands(m)
    shapes = [a.shape, b.shape]
    act = m.activation()
    (lo1, hi1), (lo2, hi2) = a.real_range(), b.real_range()
    y = m.output(np.broadcast_shapes(shapes[0], shapes[1]), *clamp_range(lo1 + lo2, hi1 + hi2, act))
    return m.finish("ADD", [a, b], [y], activation=act)


def make_add_n(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """2 to 4 operands of one shape (int8: one quantisation, as TFLite requires), some constant."""
    m = Model(rng, dtype)
    shape, shared = random_shape(rng, int(rng.integers(1, 5))), random_quant(rng)
    xs = [m.const_like(f"x{i}", shape, shared) if rng.random() < 0.2 else m.input(f"x{i}", shape, shared)
          for i in range(int(rng.integers(2, 5)))]
    lo, hi = xs[0].real_range()
    return m.finish("ADD_N", xs, [m.output(shape, len(xs) * lo, len(xs) * hi)])


def _real_range(op: str, a: T, b: T, rng: np.random.Generator) -> tuple[float, float]:
    """The real range of ``op``'s result over the int8 ranges of ``a`` and ``b`` (DIV: a random part)."""
    (lo1, hi1), (lo2, hi2) = a.real_range(), b.real_range()
    if op == "SUB":
        return lo1 - hi2, hi1 - lo2
    if op == "MUL":
        products = [x * y for x in (lo1, hi1) for y in (lo2, hi2)]
        return min(products), max(products)
    if op == "DIV":  # up to |a| / |b| for |b| a random few steps of b's scale
        hi = max(-lo1, hi1) / (b.scale * float(np.exp(rng.uniform(0, 3))))
        return -hi, hi
    return 0.0, max(abs(lo1 - hi2), abs(hi1 - lo2)) ** 2  # SQUARED_DIFFERENCE


def _clamp(lo: float, hi: float, act: str) -> tuple[float, float]:
    if act == "RELU_N1_TO_1":
        return max(lo, -1.0), min(max(hi, -0.5), 1.0)
    return clamp_range(lo, hi, act)


def _binary(op: str):
    """SUB, MUL, DIV (a random fused activation), MAXIMUM, MINIMUM (int8: one quantisation for both
    inputs and the output, as TFLite requires), SQUARED_DIFFERENCE, FLOOR_DIV, FLOOR_MOD."""
    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        shared = (random_quant16 if dtype == "int16" else random_quant)(rng) if op in ("MAXIMUM", "MINIMUM") else None
        a, b = _binary_operands(m, shared)
        act = str(rng.choice(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])) if op in FUSED else "NONE"
        shape = np.broadcast_shapes(a.shape, b.shape)
        y = m.output(shape, quant=shared) if shared or not m.q else m.output(shape, *_clamp(*_real_range(op, a, b, rng), act))
        return m.finish(op, [a, b], [y], **({"activation": act} if op in FUSED else {}))

    return make_op



    return make_op


FUSED = ("SUB", "MUL", "DIV")  # the binary builtins with a fused activation
ALL = BOTH + ("int32",)
BINARY = {"SUB": ALL, "MUL": ALL, "MAXIMUM": ALL, "MINIMUM": ALL, "SQUARED_DIFFERENCE": ALL,
          "DIV": ALL, "FLOOR_DIV": FLOAT, "FLOOR_MOD": FLOAT}


GENERATORS = {
    "add": (make_add, BOTH),
    "add_n": (make_add_n, BOTH),
    **{op.lower(): (_binary(op), dtypes) for op, dtypes in BINARY.items()},
}
