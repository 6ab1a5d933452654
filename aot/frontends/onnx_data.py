"""ONNX data movement onto gather, gather_nd, slice, concat, reshape / transpose views and cast:
Gather, GatherND (batch_dims 0), Expand, Tile, DepthToSpace, SpaceToDepth, Cast.

Gather and GatherND take constant or computed int32 / int64 indices; ONNX's negative indices count
from the end (constant ones are made non-negative here, computed ones wrap in the kernel:
wrap_negative).
"""
from __future__ import annotations

import numpy as np
import onnx

from aot.frontends.onnx_builder import Builder, Unsupported

_CASTS = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT8: "int8", onnx.TensorProto.UINT8: "uint8",
          onnx.TensorProto.INT16: "int16", onnx.TensorProto.INT32: "int32"}


def _operand(b: Builder, name: str) -> str:
    return name if b.const(name) is not None else b.value(name)


def _gather(b: Builder, node, attrs) -> None:
    x = _operand(b, node.input[0])
    shape = b.shape(x)
    if not -len(shape) <= attrs.get("axis", 0) < len(shape):
        raise Unsupported(f"axis {attrs['axis']} is out of range for rank {len(shape)}")
    axis = attrs.get("axis", 0) % len(shape)
    idx, extra = node.input[1], {}
    data = b.const(idx)
    if data is None:
        idx, extra = b.value(idx), {"wrap_negative": True}
    else:
        if data.size and (data.min() < -shape[axis] or data.max() >= shape[axis]):
            raise Unsupported(f"an index is outside [-{shape[axis]}, {shape[axis]})")
        idx = b.add_const(b.fresh(idx), np.where(data < 0, data + shape[axis], data).astype(data.dtype))
    b.emit("gather", [x, idx], [b.value(node.output[0])], axis=axis, batch_dims=0, **extra)


def _gather_nd(b: Builder, node, attrs) -> None:
    if attrs.get("batch_dims", 0):
        raise Unsupported("batch_dims > 0 is not supported")
    x = _operand(b, node.input[0])
    idx, data = node.input[1], b.const(node.input[1])
    if data is None:
        idx, extra = b.value(idx), {"wrap_negative": True}
    else:
        dims = np.asarray(b.shape(x)[:data.shape[-1]])
        if data.size and ((data < -dims).any() or (data >= dims).any()):
            raise Unsupported(f"an index is outside the axes {dims.tolist()}")
        idx, extra = b.add_const(b.fresh(idx), np.where(data < 0, data + dims, data).astype(data.dtype)), {}
    b.emit("gather_nd", [x, idx], [b.value(node.output[0])], **extra)


def _expand(b: Builder, node, attrs) -> None:
    """A slice with step 0 along the broadcast axes (of x reshaped to the output's rank)."""
    x = b.value(node.input[0])
    y = node.output[0]
    out = b.shape(y)
    shape = b.shape(x)
    padded = (1,) * (len(out) - len(shape)) + tuple(shape)
    if padded != tuple(shape):
        x = b.reshape(x, padded)
    b.unary("slice", x, None, y, starts=[0] * len(out), steps=[1 if n == m else 0 for n, m in zip(padded, out)])


def _tile(b: Builder, node, attrs) -> None:
    """A concatenation of copies along each repeated axis."""
    x = b.value(node.input[0])
    repeats = [int(r) for r in b.require_const(node.input[1], "repeats").reshape(-1)]
    if any(r < 1 for r in repeats):
        raise Unsupported(f"repeats {repeats} must be positive")
    y = node.output[0]
    axes = [a for a, r in enumerate(repeats) if r > 1]
    if not axes:
        b.unary("reshape", x, None, y)
    for a in axes:
        shape = list(b.shape(x))
        shape[a] *= repeats[a]
        out = b.value(y) if a == axes[-1] else b.new(y, shape, b.tensors[x].dtype, b.tensors[x].quant)
        b.emit("concat", [x] * repeats[a], [out], axis=a)
        x = out


def _depth_space(b: Builder, node, attrs) -> None:
    """DepthToSpace (DCR, CRD) and SpaceToDepth on NCHW: a reshape, a transpose, a reshape."""
    x = b.value(node.input[0])
    if len(b.shape(x)) != 4:
        raise Unsupported(f"only 4-D inputs are supported, not {list(b.shape(x))}")
    n, c, h, w = b.shape(x)
    bs = int(attrs["blocksize"])
    if node.op_type == "SpaceToDepth":
        split, perm = (n, c, h // bs, bs, w // bs, bs), (0, 3, 5, 1, 2, 4)
    elif attrs.get("mode", "DCR") == "DCR":
        split, perm = (n, bs, bs, c // (bs * bs), h, w), (0, 3, 4, 1, 5, 2)
    elif attrs["mode"] == "CRD":
        split, perm = (n, c // (bs * bs), bs, bs, h, w), (0, 1, 4, 2, 5, 3)
    else:
        raise Unsupported(f"mode {attrs['mode']!r} is not supported (DCR, CRD)")
    b.reshape(b.transpose(b.reshape(x, split), perm), b.shape(node.output[0]), out=node.output[0])


def _cast(b: Builder, node, attrs) -> None:
    x = b.value(node.input[0])
    to = _CASTS.get(attrs["to"])
    if to is None:
        raise Unsupported(f"a cast to {onnx.TensorProto.DataType.Name(attrs['to']).lower()} is not supported "
                          f"({', '.join(_CASTS.values())})")
    y = node.output[0]
    b.infos[y] = (b.shape(y), to)
    b.unary("cast", x, None, y) if b.tensors[x].dtype != to else b.unary("reshape", x, None, y)


DATA_CONVERTERS = {
    "Gather": (_gather, ("axis",)), "GatherND": (_gather_nd, ("batch_dims",)), "Expand": (_expand, ()), "Tile": (_tile, ()),
    "DepthToSpace": (_depth_space, ("blocksize", "mode")), "SpaceToDepth": (_depth_space, ("blocksize",)),
    "Cast": (_cast, ("to", "saturate", "round_mode")),
}
