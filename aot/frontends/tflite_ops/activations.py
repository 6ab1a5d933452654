"""TFLite activations and elementwise builtins of one input (onto the unary kind), PRELU and
LOG_SOFTMAX: float32, and int8 where tflite-micro has an int8 kernel (aot/ops/int8_tables.py), int16
where it has an int16 one (aot/ops/int16_unary.py)."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import BOTH, FLOAT, INT16, Reader, Unsupported


def _unary(opname: str, fn: str, dtypes: tuple[str, ...], options=None, **params):
    """(converter, dtypes); ``options(r, op) -> attrs`` reads the attributes an operator's options carry."""
    def convert(r: Reader, op, ins):
        _only(r, op, ins[:1], opname, dtypes)
        return "unary", {"fn": fn, **params, **(options(r, op) if options else {})}, ins[:1]

    return convert, dtypes


def _only(r: Reader, op, data_ins, opname: str, dtypes: tuple[str, ...]) -> None:
    """Refuse a data operand or result of a dtype the builtin is not supported for."""
    for n in [*data_ins, *r.outs(op)]:
        t = r.tensors.get(n) if n is not None else None
        if t is not None and t.dtype not in dtypes:
            raise Unsupported(f"{t.dtype} {opname} is not supported yet")


def _onto(kind: str, opname: str, n_inputs: int):
    """(converter, dtypes) of a builtin onto ``kind`` with no attributes and its first ``n_inputs``."""
    def convert(r: Reader, op, ins):
        _only(r, op, ins[:n_inputs], opname, BOTH)
        return kind, {}, ins[:n_inputs]

    return convert, BOTH


def _alpha(r: Reader, op) -> dict:
    return {"alpha": float(r.options(op, tflite.LeakyReluOptions).Alpha())}


CONVERTERS = {
    "ABS": _unary("ABS", "abs", BOTH),
    "NEG": _unary("NEG", "neg", FLOAT),
    "SQRT": _unary("SQRT", "sqrt", FLOAT),
    "RSQRT": _unary("RSQRT", "rsqrt", BOTH),
    "SQUARE": _unary("SQUARE", "square", FLOAT),
    "EXP": _unary("EXP", "exp", FLOAT),
    "LOG": _unary("LOG", "log", FLOAT),
    "SIN": _unary("SIN", "sin", FLOAT),
    "COS": _unary("COS", "cos", FLOAT),
    "FLOOR": _unary("FLOOR", "floor", FLOAT),
    "CEIL": _unary("CEIL", "ceil", FLOAT),
    "ROUND": _unary("ROUND", "round", FLOAT),
    "TANH": _unary("TANH", "tanh", BOTH + INT16),
    "LOGISTIC": _unary("LOGISTIC", "sigmoid", BOTH + INT16),
    "RELU": _unary("RELU", "relu", BOTH + INT16),
    "RELU6": _unary("RELU6", "clip", BOTH + INT16, min=0.0, max=6.0),
    "RELU_N1_TO_1": _unary("RELU_N1_TO_1", "clip", FLOAT, min=-1.0, max=1.0),  # not in tflite-micro
    "LEAKY_RELU": _unary("LEAKY_RELU", "leaky_relu", BOTH + INT16, _alpha),
    "HARD_SWISH": _unary("HARD_SWISH", "hardswish", BOTH),
    "ELU": _unary("ELU", "elu", BOTH, alpha=1.0),
    "PRELU": _onto("prelu", "PRELU", 2),
    "LOG_SOFTMAX": _onto("log_softmax", "LOG_SOFTMAX", 1),
}
