"""Fuse a constant PAD of the spatial axes into the op that reads it and pads with zeros itself.

Our convolutions skip out-of-bounds taps, which is the same as reading a real zero (their traits'
``zero_padding``). So conv(pad(x)) == conv(x) with the pad added to the conv's own padding
exactly when the padded value is a real zero: 0.0 for float, the input zero point for int8.
Only the H and W axes may be padded, and x must have no other reader of the padded tensor."""
from __future__ import annotations

from aot import ops
from aot.core.ir import Graph, Op
from aot.passes.dce import dce
from aot.passes.edit import only_user


def _real_zero(g: Graph, pad: Op) -> bool:
    x = g.tensor(pad.inputs[0])
    value = pad.attrs.get("value", 0)
    if x.dtype == "float32":
        return float(value) == 0.0
    return x.quant is not None and x.quant.per_tensor and int(value) == x.quant.tensor_zero_point


def _spatial_only(pad: Op) -> bool:
    before, after = pad.attrs["before"], pad.attrs["after"]
    return len(before) == 4 and before[0] == after[0] == 0 and before[3] == after[3] == 0 and min([*before, *after]) >= 0


def fuse_pad(g: Graph) -> Graph:
    for pad in [op for op in g.ops if op.kind == "pad"]:
        if pad.attrs["mode"] != "constant" or not _spatial_only(pad) or not _real_zero(g, pad):
            continue
        conv = only_user(g, pad.outputs[0])
        if conv is None or not ops.traits(conv.kind).zero_padding or conv.inputs[0] != pad.outputs[0]:
            continue
        top, left, bottom, right = conv.attrs["pad"]
        b, a = pad.attrs["before"], pad.attrs["after"]
        conv.attrs["pad"] = (top + b[1], left + b[2], bottom + a[1], right + a[2])
        conv.inputs[0] = pad.inputs[0]
    return dce(g)
