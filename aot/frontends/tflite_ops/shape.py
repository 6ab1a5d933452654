"""TFLite data movement and shape converters (RESHAPE, CONCATENATION, PAD, TRANSPOSE, SLICE, ...) and
QUANTIZE/DEQUANTIZE."""
from __future__ import annotations

import numpy as np
import tflite

from aot.frontends.tflite_ops.common import (
    ACTIVATIONS,
    BOTH,
    INT16,
    Reader,
    Unsupported,
    plain,
    same_quantization,
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


def _mirror_pad(r: Reader, op, ins):
    before, after = _pad_widths(r, ins)
    mode = {tflite.MirrorPadMode.REFLECT: "reflect", tflite.MirrorPadMode.SYMMETRIC: "symmetric"}.get(
        r.options(op, tflite.MirrorPadOptions).Mode())
    if mode is None:
        raise Unsupported("unknown mirror pad mode")
    same_quantization(r, [ins[0], *r.outs(op)], "MIRROR_PAD")
    return "pad", {"before": before, "after": after, "mode": mode}, ins[:1]


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


def _bit(mask: int, i) -> bool:
    return i != "..." and bool(mask >> i & 1)


def _dense_spec(o, rank: int, begin, end, strides) -> tuple[list[tuple], list[int | None]]:
    """The strided slice spec with its ellipsis expanded (TensorFlow's BuildDenseSpec): one
    (begin, end, stride, begin masked, end masked, shrink) per input axis, and the output's axes
    as input axes (None for a new axis of one element; a shrunk axis has none)."""
    spec = list(range(len(begin)))
    ellipses = [i for i in spec if _bit(o.EllipsisMask(), i)]
    if len(ellipses) > 1:
        raise Unsupported("more than one ellipsis")
    spec += [] if ellipses else ["..."]  # no ellipsis: one at the end
    dense, axes = [], []
    for k, i in enumerate(spec):
        if i == "..." or _bit(o.EllipsisMask(), i):
            rest = sum(1 for j in spec[k + 1:] if not _bit(o.NewAxisMask(), j))
            for _ in range(rank - len(dense) - rest):
                axes.append(len(dense))
                dense.append((0, 0, 1, True, True, False))
        elif _bit(o.NewAxisMask(), i):
            axes.append(None)
        else:
            shrink = _bit(o.ShrinkAxisMask(), i)
            if not shrink:
                axes.append(len(dense))
            dense.append((begin[i], end[i], strides[i], _bit(o.BeginMask(), i), _bit(o.EndMask(), i), shrink))
    if len(dense) != rank:
        raise Unsupported(f"the slice spec does not match a rank-{rank} input")
    return dense, axes


def _strided_slice(r: Reader, op, ins):
    """tflite-micro's StartForAxis / StopForAxis per axis (clamped by the stride's sign), then a
    reshape where shrink_axis_mask drops axes or new_axis_mask adds them."""
    o = r.options(op, tflite.StridedSliceOptions)
    if o.Offset():
        raise Unsupported("offset is not supported")
    shape = r.shapes[ins[0]]
    begin, end, strides = (
        [int(v) for v in r.const(ins, i, what).reshape(-1)] for i, what in ((1, "begin"), (2, "end"), (3, "strides")))
    if not len(begin) == len(end) == len(strides):
        raise Unsupported("begin, end and strides need the same length")
    if 0 in strides:
        raise Unsupported("a stride is zero")
    dense, axes = _dense_spec(o, len(shape), begin, end, strides)
    if any(shrink and s < 0 for _, _, s, _, _, shrink in dense):
        raise Unsupported("a shrunk axis needs a positive stride")
    starts, counts = [], []
    for n, (b, e, s, b_masked, e_masked, shrink) in zip(shape, dense):
        lo, hi = (0, n) if s > 0 else (-1, n - 1)
        b = (lo if s > 0 else hi) if b_masked else b + (n if b < 0 else 0)
        b = min(max(b, lo), hi)
        e = b + 1 if shrink else (hi if s > 0 else lo) if e_masked else e + (n if e < 0 else 0)
        e = min(max(e, lo), hi) if not shrink else e
        starts.append(b if n else 0)
        counts.append(max(0, -(-(e - b) // s)) if n else 0)
    if any(c and not 0 <= b < n for b, c, n in zip(starts, counts, shape)):
        raise Unsupported(f"strided slice begin {begin} reads outside the input {list(shape)}")
    y = r.outs(op)[0]
    out_shape = tuple(1 if a is None else counts[a] for a in axes)
    if out_shape != r.shapes[y]:
        raise Unsupported(f"strided slice of {list(shape)} gives {list(out_shape)}, the output is {list(r.shapes[y])}")
    attrs = {"starts": starts, "steps": [s for _, _, s, *_ in dense]}
    if tuple(counts) == out_shape:
        return "slice", attrs, ins[:1]
    block = r.temp(y, counts)
    return [("slice", attrs, ins[:1], [block]), ("reshape", {}, [block], [y])]


def _index_operand(r: Reader, ins, opname: str) -> None:
    t = r.tensors.get(ins[1]) if len(ins) > 1 and ins[1] is not None else None
    if t is None or t.dtype not in ("int32", "int64"):
        raise Unsupported(f"{opname} needs int32 or int64 indices")


def _gather(r: Reader, op, ins):
    _index_operand(r, ins, "GATHER")
    same_quantization(r, [ins[0], *r.outs(op)], "GATHER")
    o = r.options(op, tflite.GatherOptions)
    rank, index_rank = r.rank(ins), len(r.shapes[ins[1]])
    axis, bd = o.Axis(), o.BatchDims()
    axis, bd = axis + (rank if axis < 0 else 0), bd + (index_rank if bd < 0 else 0)
    if not 0 <= bd <= axis < rank or bd > index_rank:
        raise Unsupported(f"axis {o.Axis()} / batch_dims {o.BatchDims()} do not fit a rank-{rank} input and rank-{index_rank} indices")
    return "gather", {"axis": axis, "batch_dims": bd}, ins[:2]


def _gather_nd(r: Reader, op, ins):
    _index_operand(r, ins, "GATHER_ND")
    same_quantization(r, [ins[0], *r.outs(op)], "GATHER_ND")
    return "gather_nd", {}, ins[:2]


CONVERTERS = {
    "RESHAPE": (plain("reshape"), BOTH + INT16),
    "SQUEEZE": (plain("reshape"), BOTH + INT16),
    "CONCATENATION": (_concatenation, BOTH + INT16),
    "PAD": (_pad, BOTH + INT16),
    "PADV2": (_padv2, BOTH + INT16),
    "MIRROR_PAD": (_mirror_pad, BOTH),
    "TRANSPOSE": (_transpose, BOTH + INT16),
    "EXPAND_DIMS": (_expand_dims, BOTH + INT16),
    "SLICE": (_slice, BOTH + INT16),
    "STRIDED_SLICE": (_strided_slice, BOTH + INT16),
    "GATHER": (_gather, BOTH),
    "GATHER_ND": (_gather_nd, BOTH),
}
