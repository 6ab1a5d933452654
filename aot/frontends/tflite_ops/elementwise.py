"""TFLite elementwise converters (onto the binary / add_n / unary kinds)."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import (
    BOTH,
    FLOAT,
    Reader,
    Unsupported,
)

ALL = BOTH + ("int32",)  # the binary builtins of int8, float32 and int32
ALL_INT16 = ALL + ("int16",)  # those tflite-micro runs in int16 too


def dtypes_in(r: Reader, names, opname: str, dtypes: tuple[str, ...]) -> None:
    """Refuse a tensor of ``names`` (operands, results) of a dtype outside ``dtypes``."""
    for n in names:
        t = r.tensors.get(n) if n is not None else None
        if t is not None and t.dtype not in dtypes:
            raise Unsupported(f"{t.dtype} {opname} is not supported yet")


def _binary(opname: str, fn: str, dtypes: tuple[str, ...], options=None):
    """Two broadcast operands onto the binary kind; ``options`` the table of the fused activation
    (SUB, MUL, DIV), None for the builtins without one."""
    def convert(r: Reader, op, ins):
        dtypes_in(r, [*ins[:2], *r.outs(op)], opname, dtypes)
        act = r.activation(r.options(op, options)) if options is not None else "NONE"
        return "binary", {"fn": fn, "activation": act}, ins[:2]

    return convert


def _add_n(r: Reader, op, ins):
    dtypes_in(r, [*ins, *r.outs(op)], "ADD_N", BOTH)
    return "add_n", {}, list(ins)


CONVERTERS = {
    "SUB": (_binary("SUB", "sub", ALL_INT16, tflite.SubOptions), ALL_INT16),
    "MUL": (_binary("MUL", "mul", ALL_INT16, tflite.MulOptions), ALL_INT16),
    "DIV": (_binary("DIV", "div", ALL, tflite.DivOptions), ALL),
    "MAXIMUM": (_binary("MAXIMUM", "max", ALL_INT16), ALL_INT16),
    "MINIMUM": (_binary("MINIMUM", "min", ALL_INT16), ALL_INT16),
    "SQUARED_DIFFERENCE": (_binary("SQUARED_DIFFERENCE", "squared_difference", ALL), ALL),
    "FLOOR_DIV": (_binary("FLOOR_DIV", "floor_div", FLOAT), FLOAT),
    "FLOOR_MOD": (_binary("FLOOR_MOD", "floor_mod", FLOAT), FLOAT),
    "ADD_N": (_add_n, BOTH),
}
