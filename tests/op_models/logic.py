"""Single-op models: comparisons (int8, float32, int32; EQUAL / NOT_EQUAL bool too), LOGICAL_AND /
OR / NOT (bool), SELECT_V2 (a bool condition; int8, float32 values)."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import Model, random_quant, random_shape
from tests.op_models.elementwise import _binary_operands, _broadcast_operand

COMPARED = ("int8", "float32", "int32")
COMPARISONS = {"EQUAL": COMPARED + ("bool",), "NOT_EQUAL": COMPARED + ("bool",), "LESS": COMPARED,
               "LESS_EQUAL": COMPARED, "GREATER": COMPARED, "GREATER_EQUAL": COMPARED}
LOGICAL = ("LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT")


def _compare(op: str):
    """Broadcast operands; int8: half the time one quantisation for both (equal values meet)."""
    def make_op(rng: np.random.Generator, dtype: str = "int8") -> bytes:
        m = Model(rng, dtype)
        a, b = _binary_operands(m, random_quant(rng) if rng.random() < 0.5 else None)
        return m.finish(op, [a, b], [m.output(np.broadcast_shapes(a.shape, b.shape), dtype="bool")])

    return make_op


def _logical(op: str):
    def make_op(rng: np.random.Generator, dtype: str = "bool") -> bytes:
        m = Model(rng, "bool")
        if op == "LOGICAL_NOT":
            xs = [m.input("x", random_shape(rng, int(rng.integers(1, 5))))]
        else:
            xs = list(_binary_operands(m))
        return m.finish(op, xs, [m.output(np.broadcast_shapes(*(x.shape for x in xs)))])

    return make_op


def make_select_v2(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """condition, x, y each the full shape or broadcast against it; x, y and the result share one
    quantisation (int8)."""
    m = Model(rng, dtype)
    full = random_shape(rng, int(rng.integers(1, 5)))
    c_shape, x_shape, y_shape = (full if rng.random() < 0.4 else _broadcast_operand(rng, full) for _ in range(3))
    shared = random_quant(rng)
    c = m.input("c", c_shape, dtype="bool")
    x = m.input("x", x_shape, shared)
    y = m.const_like("y", y_shape, shared) if rng.random() < 0.3 else m.input("y", y_shape, shared)
    out = m.output(np.broadcast_shapes(c_shape, x_shape, y_shape), quant=shared)
    return m.finish("SELECT_V2", [c, x, y], [out])


GENERATORS = {
    **{op.lower(): (_compare(op), dtypes) for op, dtypes in COMPARISONS.items()},
    **{op.lower(): (_logical(op), ("bool",)) for op in LOGICAL},
    "select_v2": (make_select_v2, ("int8", "float32")),
}
