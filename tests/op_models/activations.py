"""Single-op models: the activations and elementwise builtins of one input (float32, and int8 with
the output quantisation a converter gives each)."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import BOTH, Model, random_quant, random_shape


def _unary(op: str):
    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        shape = random_shape(rng, int(rng.integers(1, 5)))
        # int8 RSQRT is an error below the input zero point in tflite-micro
        x = m.input("x", shape, quant=(random_quant(rng)[0], -128) if op == "RSQRT" else None)
        y = m.output(x.shape, *_real_range(op, x), quant=_fixed_quant(m, op, x)) if m.q else m.output(x.shape)
        return m.finish(op, [x], [y], **_options(rng, op))

    return make_op


def _options(rng: np.random.Generator, op: str) -> dict:
    if op == "LEAKY_RELU":
        return {"alpha": float(rng.uniform(0.01, 0.5))}
    return {"table": None} if op in NO_OPTIONS else {}


def _fixed_quant(m: Model, op: str, x) -> tuple[float, int] | None:
    """The int8 output quantisation an op's kernel needs, or that a converter gives it; None: one
    covering its real range."""
    if op in ("LOGISTIC", "TANH") and m.dtype == "int16":
        return 1 / 32768, 0
    if op == "LOGISTIC":
        return 1 / 256, -128
    if op == "TANH":
        return 1 / 128, 0
    if op == "RELU6" and m.rng.random() < 0.5:
        return x.scale, x.zero_point  # the converter's choice; tflite-micro does not requantise
    if op == "ABS" and m.rng.random() < 0.4:
        return x.scale, int(m.rng.integers(-128, 128))  # equal scales: no rescale in tflite-micro
    return None


def _real_range(op: str, x) -> tuple[float, float]:
    """The real output range of int8 ``op`` over the input's range."""
    lo, hi = x.real_range()
    return {
        "RELU": (0.0, hi), "RELU6": (0.0, min(hi, 6.0)), "LEAKY_RELU": (lo * 0.5, hi), "ELU": (-1.0, hi),
        "HARD_SWISH": (-0.375, hi), "ABS": (0.0, max(-lo, hi)), "RSQRT": (0.0, 1 / np.sqrt(x.scale)),
    }.get(op, (-1.0, 1.0))


def make_prelu(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """x of rank 1-4, alpha broadcast against it (some dims 1, leading ones dropped), usually constant."""
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    dims = tuple(1 if rng.random() < 0.5 else d for d in x.shape)
    shape = dims[int(rng.integers(0, len(dims) + 1)):] if rng.random() < 0.5 else dims
    alpha = m.const_like("alpha", shape) if rng.random() < 0.8 else m.input("alpha", shape)
    (lo, hi), (alo, ahi) = x.real_range(), alpha.real_range()
    y = m.output(x.shape, min(lo * ahi, lo * alo, 0.0), max(hi, lo * alo, 1e-3))
    return m.finish("PRELU", [x, alpha], [y], table=None)


def make_log_softmax(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    depth = int(rng.integers(1, 41))  # the last axis, sometimes long enough to reach diff_min
    x = m.input("x", random_shape(rng, int(rng.integers(0, 4))) + (depth,))
    return m.finish("LOG_SOFTMAX", [x], [m.output(x.shape, quant=(16 / 256, 127))])


NO_OPTIONS = ("RSQRT", "LOG", "SIN", "ROUND", "RELU_N1_TO_1")  # builtins without an options table in the schema
# float32-only builtins of one input (onto the unary kind)
FLOAT_UNARY = ["NEG", "SQRT", "EXP", "FLOOR", "CEIL", "SQUARE", "LOG", "SIN", "COS", "ROUND"]
# not registered in tflite-micro: tested against NumPy, not in the tflite-micro op tests
NOT_IN_TFLM = ["RELU_N1_TO_1"]
# float32 and int8
UNARY = ["ABS", "RSQRT", "TANH", "LOGISTIC", "RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH", "ELU"]

NOT_FOR_TFLM = {"relu_n1_to_1"}  # tflite-micro registers no RELU_N1_TO_1 kernel


GENERATORS = {
    **{op.lower(): (_unary(op), ("float32",)) for op in FLOAT_UNARY + NOT_IN_TFLM},
    **{op.lower(): (_unary(op), BOTH) for op in UNARY},
    "prelu": (make_prelu, BOTH),
    "log_softmax": (make_log_softmax, BOTH),
}
