"""TFLite reductions over constant axes (MEAN, SUM, REDUCE_MAX, REDUCE_MIN)."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import FLOAT, Reader, Unsupported, float_only


def _reduce(opname: str, fn: str):
    def convert(r: Reader, op, ins):
        float_only(r, op, ins[:1], opname)
        rank = r.rank(ins)
        axes = [int(a) for a in r.const(ins, 1, "axis").reshape(-1)]
        if any(not -rank <= a < rank for a in axes):
            raise Unsupported(f"axes {axes} are out of range for rank {rank}")
        keep = bool(r.options(op, tflite.ReducerOptions).KeepDims())
        return "reduce", {"fn": fn, "axes": sorted({a % rank for a in axes}), "keepdims": keep}, ins[:1]

    return convert


CONVERTERS = {
    "MEAN": (_reduce("MEAN", "mean"), FLOAT),
    "SUM": (_reduce("SUM", "sum"), FLOAT),
    "REDUCE_MAX": (_reduce("REDUCE_MAX", "max"), FLOAT),
    "REDUCE_MIN": (_reduce("REDUCE_MIN", "min"), FLOAT),
}
