"""TFLite reductions over constant axes, float32 and int8: MEAN, SUM, REDUCE_MAX, REDUCE_MIN and
ARG_MAX, ARG_MIN (int32 indices), and the scan CUMSUM (exclusive, reverse)."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import BOTH, INT16, Reader, Unsupported


def _reduce(fn: str):
    def convert(r: Reader, op, ins):
        rank = r.rank(ins)
        axes = [int(a) for a in r.const(ins, 1, "axis").reshape(-1)]
        if any(not -rank <= a < rank for a in axes):
            raise Unsupported(f"axes {axes} are out of range for rank {rank}")
        keep = bool(r.options(op, tflite.ReducerOptions).KeepDims())
        return "reduce", {"fn": fn, "axes": sorted({a % rank for a in axes}), "keepdims": keep}, ins[:1]

    return convert


def _one_axis(r: Reader, ins) -> int:
    """The constant single axis operand (input 1), made non-negative."""
    rank = r.rank(ins)
    axis = r.const(ins, 1, "axis").reshape(-1)
    if axis.size != 1 or not -rank <= int(axis[0]) < rank:
        raise Unsupported(f"axis {axis.tolist()} is not one axis of the rank-{rank} input")
    return int(axis[0]) % rank


def _arg(fn: str):
    return lambda r, op, ins: ("arg_minmax", {"fn": fn, "axis": _one_axis(r, ins)}, ins[:1])


def _cumsum(r: Reader, op, ins):
    o = r.options(op, tflite.CumsumOptions)
    return "cumsum", {"axis": _one_axis(r, ins), "exclusive": bool(o.Exclusive()), "reverse": bool(o.Reverse())}, ins[:1]


CONVERTERS = {
    "MEAN": (_reduce("mean"), BOTH + INT16),
    "SUM": (_reduce("sum"), BOTH + INT16),
    "REDUCE_MAX": (_reduce("max"), BOTH),
    "REDUCE_MIN": (_reduce("min"), BOTH),
    "ARG_MAX": (_arg("max"), BOTH),
    "ARG_MIN": (_arg("min"), BOTH),
    "CUMSUM": (_cumsum, BOTH),
}
