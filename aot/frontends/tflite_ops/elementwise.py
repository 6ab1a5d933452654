"""TFLite elementwise converters of one or two inputs (onto the binary / unary kinds)."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import (
    ACTIVATIONS,
    FLOAT,
    Reader,
    Unsupported,
    float_only,
)


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


CONVERTERS = {
    "SUB": (_binary("SUB", "sub", tflite.SubOptions), FLOAT),
    "MUL": (_binary("MUL", "mul", tflite.MulOptions), FLOAT),
    "DIV": (_binary("DIV", "div", tflite.DivOptions), FLOAT),
    "MAXIMUM": (_binary("MAXIMUM", "max"), FLOAT),
    "MINIMUM": (_binary("MINIMUM", "min"), FLOAT),
}
