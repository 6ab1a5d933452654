"""Single-op models: the activations and elementwise builtins of one input."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import Model, random_shape


def _float_unary(op: str):
    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
        y = m.output(x.shape)
        return m.finish(op, [x], [y], **({"alpha": float(rng.uniform(0.01, 0.5))} if op == "LEAKY_RELU" else {}))

    return make_op


# float32-only builtins of one input (onto the unary kind)
FLOAT_UNARY = ["ABS", "NEG", "SQRT", "EXP", "FLOOR", "CEIL", "TANH", "LOGISTIC", "RELU", "RELU6",
               "LEAKY_RELU", "HARD_SWISH", "ELU"]


GENERATORS = {op.lower(): (_float_unary(op), ("float32",)) for op in FLOAT_UNARY}
