"""TFLite data movement and shape converters (RESHAPE, CONCATENATION, PAD, TRANSPOSE, SLICE, ...) and
QUANTIZE/DEQUANTIZE."""
from __future__ import annotations

import numpy as np
import tflite

from aot.frontends.tflite_ops.common import (
    ACTIVATIONS,
    BOTH,
    Reader,
    Unsupported,
    plain,
)


def _concatenation(r: Reader, op, ins):
    o = r.options(op, tflite.ConcatenationOptions)
    act = ACTIVATIONS.get(o.FusedActivationFunction(), "?")
    if act != "NONE":
        raise Unsupported(f"fused activation {act} is not supported on CONCATENATION")
    rank = r.rank(ins)
    axis = o.Axis()
    if not -rank <= axis < rank:
        raise Unsupported(f"axis {axis} is out of range for rank {rank}")
    ts = [r.tensors.get(n) for n in [*ins, *r.outs(op)]]
    quants = {None if t is None or t.quant is None else str(t.quant.to_json()) for t in ts}
    if len(quants) > 1:
        raise Unsupported("inputs and output are quantised differently (requantising concatenation is not supported)")
    return "concat", {"axis": axis % rank}, ins


def _pad_widths(r: Reader, ins) -> tuple[list[int], list[int]]:
    p = r.const(ins, 1, "paddings").astype(np.int64)
    rank = r.rank(ins)
    if p.shape != (rank, 2):
        raise Unsupported(f"paddings of shape {list(p.shape)} do not match a rank-{rank} input")
    if (p < 0).any():
        raise Unsupported("negative paddings are not supported")
    return [int(v) for v in p[:, 0]], [int(v) for v in p[:, 1]]


def _pad(r: Reader, op, ins):
    before, after = _pad_widths(r, ins)
    y = r.tensors.get(r.outs(op)[0])
    quant = y.quant if y is not None else None
    value = int(np.asarray(quant.zero_point).reshape(-1)[0]) if quant is not None else 0.0  # TFLM: the output zp
    return "pad", {"before": before, "after": after, "mode": "constant", "value": value}, ins[:1]


def _padv2(r: Reader, op, ins):
    if len(ins) < 3 or ins[2] is None:
        return _pad(r, op, ins)  # no constant value: like PAD
    before, after = _pad_widths(r, ins)
    v = r.const(ins, 2, "constant value")
    if v.size != 1:
        raise Unsupported("the constant value must hold one element")
    value = v.reshape(-1)[0].item()  # int8: the raw stored value, as tflite-micro pads with it
    return "pad", {"before": before, "after": after, "mode": "constant", "value": value}, ins[:1]


def _transpose(r: Reader, op, ins):
    perm = [int(p) for p in r.const(ins, 1, "perm").reshape(-1)]
    rank = r.rank(ins)
    return "transpose", {"perm": [p % rank if -rank <= p < 0 else p for p in perm]}, ins[:1]


def _expand_dims(r: Reader, op, ins):
    r.const(ins, 1, "axis")
    return "reshape", {}, ins[:1]


def _slice(r: Reader, op, ins):
    shape = r.shapes[ins[0]]
    begin = [int(v) for v in r.const(ins, 1, "begin").reshape(-1)]
    size = [int(v) for v in r.const(ins, 2, "size").reshape(-1)]
    if len(begin) != len(shape) or len(size) != len(shape):
        raise Unsupported(f"begin/size need one entry per axis of the rank-{len(shape)} input")
    for b, s, n in zip(begin, size, shape):
        if not 0 <= b <= n or s < -1 or (s >= 0 and b + s > n):
            raise Unsupported(f"slice begin {begin} size {size} reads outside the input {list(shape)}")
    return "slice", {"starts": begin, "steps": [1] * len(shape)}, ins[:1]


def _strided_slice(r: Reader, op, ins):
    o = r.options(op, tflite.StridedSliceOptions)
    for mask, name in ((o.EllipsisMask(), "ellipsis_mask"), (o.NewAxisMask(), "new_axis_mask"),
                       (o.ShrinkAxisMask(), "shrink_axis_mask")):
        if mask:
            raise Unsupported(f"{name} is not supported")
    if o.Offset():
        raise Unsupported("offset is not supported")
    shape = r.shapes[ins[0]]
    begin, end, strides = (
        [int(v) for v in r.const(ins, i, what).reshape(-1)] for i, what in ((1, "begin"), (2, "end"), (3, "strides")))
    if not len(begin) == len(end) == len(strides) == len(shape):
        raise Unsupported(f"begin/end/strides need one entry per axis of the rank-{len(shape)} input")
    if min(strides) <= 0:
        raise Unsupported("only positive strides are supported")
    starts, counts = [], []
    for a, n in enumerate(shape):
        b = 0 if o.BeginMask() >> a & 1 else begin[a] + (n if begin[a] < 0 else 0)
        e = n if o.EndMask() >> a & 1 else end[a] + (n if end[a] < 0 else 0)
        b, e = min(max(b, 0), n), min(max(e, 0), n)
        starts.append(int(b))
        counts.append(max(0, -(-(e - b) // strides[a])))
    out_shape = r.shapes[r.outs(op)[0]]
    if tuple(counts) != tuple(out_shape):
        raise Unsupported(f"strided slice of {list(shape)} gives {counts}, the output is {list(out_shape)}")
    return "slice", {"starts": starts, "steps": strides}, ins[:1]


CONVERTERS = {
    "RESHAPE": (plain("reshape"), BOTH),
    "SQUEEZE": (plain("reshape"), BOTH),
    "CONCATENATION": (_concatenation, BOTH),
    "PAD": (_pad, BOTH),
    "PADV2": (_padv2, BOTH),
    "TRANSPOSE": (_transpose, BOTH),
    "EXPAND_DIMS": (_expand_dims, BOTH),
    "SLICE": (_slice, BOTH),
    "STRIDED_SLICE": (_strided_slice, BOTH),
}
