"""Single-op models: ADD and the float32 elementwise builtins."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import BOTH, Model, T, clamp_range, random_shape


def _broadcast_operand(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with some dims set to 1 and, sometimes, leading dims dropped."""
    dims = tuple(1 if rng.random() < 0.3 else d for d in shape)
    return dims[int(rng.integers(0, len(dims) + 1)):] if rng.random() < 0.3 else dims


def _binary_operands(m: Model) -> tuple[T, T]:
    """Two operands of a random shape, often broadcast against each other, b sometimes constant."""
    rng = m.rng
    full = random_shape(rng, int(rng.integers(1, 5)))
    shapes = [full, full] if rng.random() < 0.4 else [_broadcast_operand(rng, full) for _ in range(2)]
    rng.shuffle(shapes)
    a = m.input("a", shapes[0])
    return a, m.const_like("b", shapes[1]) if rng.random() < 0.3 else m.input("b", shapes[1])


def make_add(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    a, b = _binary_operands(m)
    shapes = [a.shape, b.shape]
    act = m.activation()
    (lo1, hi1), (lo2, hi2) = a.real_range(), b.real_range()
    y = m.output(np.broadcast_shapes(shapes[0], shapes[1]), *clamp_range(lo1 + lo2, hi1 + hi2, act))
    return m.finish("ADD", [a, b], [y], activation=act)


def _float_binary(op: str):
    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        a, b = _binary_operands(m)
        y = m.output(np.broadcast_shapes(a.shape, b.shape))
        return m.finish(op, [a, b], [y], **({"activation": "NONE"} if op in ("SUB", "MUL", "DIV") else {}))

    return make_op



    return make_op


# float32-only elementwise builtins (onto the binary kind)
FLOAT_BINARY = ["SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM"]


GENERATORS = {
    "add": (make_add, BOTH),
    **{op.lower(): (make_op(op), ("float32",)) for ops, make_op in
       ((FLOAT_BINARY, _float_binary),) for op in ops},
}
