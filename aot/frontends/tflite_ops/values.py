"""TFLite operators that make values: SHAPE, BROADCAST_ARGS, ZEROS_LIKE and FILL (of a constant
value) computed at compile time (their output becomes a constant), FILL of a computed value (a
broadcasting slice), and CAST."""
from __future__ import annotations

import numpy as np

from aot.frontends.tflite_ops.common import (
    BOTH,
    FLOAT,
    Reader,
    Unsupported,
    same_quantization,
)
from aot.ops.cast import DTYPES as CAST_DTYPES


def _shape(r: Reader, op, ins):
    return r.fold(r.outs(op)[0], np.asarray(r.shapes[ins[0]]))


def _broadcast_args(r: Reader, op, ins):
    a, b = (tuple(int(v) for v in r.const(ins, i, "shape").reshape(-1)) for i in (0, 1))
    try:
        shape = np.broadcast_shapes(a, b)
    except ValueError:
        raise Unsupported(f"shapes {list(a)} and {list(b)} do not broadcast") from None
    return r.fold(r.outs(op)[0], np.asarray(shape))


def _zeros_like(r: Reader, op, ins):
    return r.fold(r.outs(op)[0], np.zeros(r.shapes[ins[0]]))


def _fill(r: Reader, op, ins):
    y = r.outs(op)[0]
    same_quantization(r, [ins[1], y], "FILL")
    dims = tuple(int(v) for v in r.const(ins, 0, "dims").reshape(-1))
    if dims != r.shapes[y] or r.shapes[ins[1]] not in ((), (1,)):
        raise Unsupported(f"filling {list(dims)} with a value of shape {list(r.shapes[ins[1]])} does not give {list(r.shapes[y])}")
    t = r.tensors.get(ins[1])
    if t is not None and t.is_const:
        return r.fold(y, np.full(dims, t.data.reshape(-1)[0]))
    ones = r.temp(y, (1,) * len(dims))
    return [("reshape", {}, [ins[1]], [ones]), ("slice", {"starts": [0] * len(dims), "steps": [0] * len(dims)}, [ones], [y])]


def _cast(r: Reader, op, ins):
    x, y = r.tensors.get(ins[0]), r.tensors.get(r.outs(op)[0])
    if x is None or y is None or x.dtype not in CAST_DTYPES or y.dtype not in CAST_DTYPES:
        raise Unsupported(f"cast is supported between {', '.join(CAST_DTYPES)} only")
    return "cast", {}, ins[:1]


CONVERTERS = {
    "SHAPE": (_shape, BOTH),
    "BROADCAST_ARGS": (_broadcast_args, ("int32",)),
    "ZEROS_LIKE": (_zeros_like, FLOAT),
    "FILL": (_fill, BOTH),
    "CAST": (_cast, BOTH),
}
