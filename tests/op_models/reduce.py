"""Single-op models: the reductions (MEAN, SUM, REDUCE_MAX, REDUCE_MIN, ARG_MAX, ARG_MIN) over
constant axes, float32 and int8. Some draws are the 4-D reduction over H and W (a global average pool); int8 MEAN sometimes
keeps its input quantisation, int8 REDUCE_MAX/MIN always do (tflite-micro requires it)."""
from __future__ import annotations

import numpy as np
import tflite

from tests.op_models.base import Model, i32, quant_for_range, random_shape


def _output_quant(m: Model, op: str, x, n: int) -> tuple[float, int] | None:
    """int8: the input's quantisation (MAX/MIN, some MEANs), else one covering the likely result."""
    if op in ("REDUCE_MAX", "REDUCE_MIN") or (op == "MEAN" and m.rng.random() < 0.3):
        return x.scale, x.zero_point
    lo, hi = x.real_range()
    if op == "SUM":  # n uniform values: mean n * mid, deviation sqrt(n) * width / sqrt(12)
        mid, dev = n * (lo + hi) / 2, 3 * np.sqrt(n / 12) * (hi - lo)
        lo, hi = mid - dev, mid + dev
    return quant_for_range(m.rng, lo, hi, m.dtype)


def _reduce(op: str):
    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        if rng.random() < 0.3:  # the H, W reduction of a 4-D tensor
            x = m.input("x", random_shape(rng, 4, max_dim=8))
            axes = [1, 2]
        else:
            x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
            axes = sorted(int(a) for a in rng.choice(len(x.shape), int(rng.integers(1, len(x.shape) + 1)), replace=False))
        rank = len(x.shape)
        keep = bool(rng.random() < 0.5)
        y_shape = [1 if a in axes else n for a, n in enumerate(x.shape) if keep or a not in axes]
        written = [a - rank if rng.random() < 0.3 else a for a in axes]  # sometimes negative
        n = int(np.prod([x.shape[a] for a in axes]))
        y = m.output(y_shape, quant=_output_quant(m, op, x, n) if m.q else None)
        return m.finish(op, [x, i32(m, "axis", written)], [y], keep_dims=keep)

    return make_op


REDUCE = ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN"]
FLOAT_REDUCE = REDUCE  # the name tests/ops/test_tflite_elementwise_float.py imported them by

GENERATORS = {op.lower(): (_reduce(op), ("int8", "float32")) for op in REDUCE}


def _arg(op: str):
    """ARG_MAX / ARG_MIN along a random axis (sometimes written negative), int32 indices; int8
    inputs repeat values often, so ties (the first index wins) are common."""

    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
        rank = len(x.shape)
        axis = int(rng.integers(rank))
        y = m.output(x.shape[:axis] + x.shape[axis + 1:], dtype="int32")
        written = axis - rank if rng.random() < 0.3 else axis
        return m.finish(op, [x, i32(m, "axis", [written])], [y], output_type=tflite.TensorType.INT32)

    return make_op


GENERATORS.update({op.lower(): (_arg(op), ("int8", "float32")) for op in ("ARG_MAX", "ARG_MIN")})


def make_cumsum(rng: np.random.Generator, dtype: str = "float32") -> bytes:
    """CUMSUM along a random axis, exclusive and reverse drawn; int8 output covering the running sums."""
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    axis = int(rng.integers(len(x.shape)))
    quant = _output_quant(m, "SUM", x, x.shape[axis]) if m.q else None
    y = m.output(x.shape, quant=quant)
    written = axis - len(x.shape) if rng.random() < 0.3 else axis
    return m.finish("CUMSUM", [x, i32(m, "axis", [written])], [y], exclusive=bool(rng.random() < 0.5),
                    reverse=bool(rng.random() < 0.5))


GENERATORS["cumsum"] = (make_cumsum, ("int8", "float32"))
