"""TFLite activations and elementwise builtins of one input (onto the unary kind)."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import FLOAT, Reader, float_only


def _unary(opname: str, fn: str, options=None, **params):
    """``options(r, op) -> attrs`` reads the attributes an operator's options carry."""
    def convert(r: Reader, op, ins):
        float_only(r, op, ins[:1], opname)
        return "unary", {"fn": fn, **params, **(options(r, op) if options else {})}, ins[:1]

    return convert


CONVERTERS = {
    "ABS": (_unary("ABS", "abs"), FLOAT),
    "NEG": (_unary("NEG", "neg"), FLOAT),
    "SQRT": (_unary("SQRT", "sqrt"), FLOAT),
    "EXP": (_unary("EXP", "exp"), FLOAT),
    "FLOOR": (_unary("FLOOR", "floor"), FLOAT),
    "CEIL": (_unary("CEIL", "ceil"), FLOAT),
    "TANH": (_unary("TANH", "tanh"), FLOAT),
    "LOGISTIC": (_unary("LOGISTIC", "sigmoid"), FLOAT),
    "RELU": (_unary("RELU", "relu"), FLOAT),
    "RELU6": (_unary("RELU6", "clip", min=0.0, max=6.0), FLOAT),
    "LEAKY_RELU": (_unary("LEAKY_RELU", "leaky_relu",
                         lambda r, op: {"alpha": float(r.options(op, tflite.LeakyReluOptions).Alpha())}), FLOAT),
    "HARD_SWISH": (_unary("HARD_SWISH", "hardswish"), FLOAT),
    "ELU": (_unary("ELU", "elu", alpha=1.0), FLOAT),
}
