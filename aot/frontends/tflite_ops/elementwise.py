"""TFLite elementwise converters of one or two inputs (onto the binary / unary kinds)."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import ACTIVATIONS, Reader, Unsupported, float_only


def _binary(opname: str, fn: str, options=None):
    """SUB/MUL/DIV (fused activation NONE only: the binary kind has no activation) and MAXIMUM/MINIMUM."""
    def convert(r: Reader, op, ins):
        float_only(r, op, ins[:2], opname)
        if options is not None:
            act = ACTIVATIONS.get(r.options(op, options).FusedActivationFunction(), "?")
            if act != "NONE":
                raise Unsupported(f"fused activation {act} is not supported on float {opname} yet")
        return "binary", {"fn": fn}, ins[:2]

    return convert


def _unary(opname: str, fn: str, options=None, **params):
    """``options(r, op) -> attrs`` reads the attributes an operator's options carry."""
    def convert(r: Reader, op, ins):
        float_only(r, op, ins[:1], opname)
        return "unary", {"fn": fn, **params, **(options(r, op) if options else {})}, ins[:1]

    return convert


CONVERTERS = {
    "SUB": _binary("SUB", "sub", tflite.SubOptions),
    "MUL": _binary("MUL", "mul", tflite.MulOptions),
    "DIV": _binary("DIV", "div", tflite.DivOptions),
    "MAXIMUM": _binary("MAXIMUM", "max"),
    "MINIMUM": _binary("MINIMUM", "min"),
    "ABS": _unary("ABS", "abs"),
    "NEG": _unary("NEG", "neg"),
    "SQRT": _unary("SQRT", "sqrt"),
    "EXP": _unary("EXP", "exp"),
    "FLOOR": _unary("FLOOR", "floor"),
    "CEIL": _unary("CEIL", "ceil"),
    "TANH": _unary("TANH", "tanh"),
    "LOGISTIC": _unary("LOGISTIC", "sigmoid"),
    "RELU": _unary("RELU", "relu"),
    "RELU6": _unary("RELU6", "clip", min=0.0, max=6.0),
    "LEAKY_RELU": _unary("LEAKY_RELU", "leaky_relu",
                         lambda r, op: {"alpha": float(r.options(op, tflite.LeakyReluOptions).Alpha())}),
    "HARD_SWISH": _unary("HARD_SWISH", "hardswish"),
    "ELU": _unary("ELU", "elu", alpha=1.0),
}
