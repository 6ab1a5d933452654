"""TFLite comparisons (EQUAL ... GREATER_EQUAL), LOGICAL_AND / OR / NOT and SELECT_V2 (onto the
compare / logical / select kinds); their results and conditions are bool."""
from __future__ import annotations

from aot.frontends.tflite_ops.common import Reader
from aot.frontends.tflite_ops.elementwise import dtypes_in

COMPARED = ("int8", "float32", "int32")  # the dtypes comparisons take (EQUAL, NOT_EQUAL: bool too)
BOOL = ("bool",)
SELECTED = ("int8", "float32")  # as TFLite Micro's SELECT_V2


def _compare(opname: str, fn: str, dtypes: tuple[str, ...]):
    def convert(r: Reader, op, ins):
        dtypes_in(r, ins[:2], opname, dtypes)
        return "compare", {"fn": fn}, ins[:2]

    return convert


def _logical(opname: str, fn: str, arity: int):
    def convert(r: Reader, op, ins):
        dtypes_in(r, [*ins[:arity], *r.outs(op)], opname, BOOL)
        return "logical", {"fn": fn}, ins[:arity]

    return convert


def _select_v2(r: Reader, op, ins):
    dtypes_in(r, ins[:1], "SELECT_V2 condition", BOOL)
    dtypes_in(r, [*ins[1:3], *r.outs(op)], "SELECT_V2", SELECTED)
    return "select", {}, ins[:3]


CONVERTERS = {
    **{name: (_compare(name, name.lower(), dtypes), dtypes) for name, dtypes in (
        ("EQUAL", COMPARED + BOOL), ("NOT_EQUAL", COMPARED + BOOL), ("LESS", COMPARED),
        ("LESS_EQUAL", COMPARED), ("GREATER", COMPARED), ("GREATER_EQUAL", COMPARED))},
    "LOGICAL_AND": (_logical("LOGICAL_AND", "and", 2), BOOL),
    "LOGICAL_OR": (_logical("LOGICAL_OR", "or", 2), BOOL),
    "LOGICAL_NOT": (_logical("LOGICAL_NOT", "not", 1), BOOL),
    "SELECT_V2": (_select_v2, SELECTED),
}
