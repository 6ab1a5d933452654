"""Single-op models: the reductions (MEAN, SUM, REDUCE_MAX, REDUCE_MIN) over constant axes."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import Model, i32, random_shape


def _reduce(op: str):
    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
        rank = len(x.shape)
        axes = sorted(int(a) for a in rng.choice(rank, int(rng.integers(1, rank + 1)), replace=False))
        keep = bool(rng.random() < 0.5)
        y_shape = [1 if a in axes else n for a, n in enumerate(x.shape) if keep or a not in axes]
        written = [a - rank if rng.random() < 0.3 else a for a in axes]  # sometimes negative
        y = m.output(y_shape)
        return m.finish(op, [x, i32(m, "axis", written)], [y], keep_dims=keep)

    return make_op


FLOAT_REDUCE = ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN"]

GENERATORS = {op.lower(): (_reduce(op), ("float32",)) for op in FLOAT_REDUCE}
