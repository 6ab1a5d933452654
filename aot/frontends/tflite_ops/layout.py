"""TFLite data movement lowered to several IR ops: PACK, UNPACK, SPLIT, SPLIT_V (one slice per
output, a reshape view drops UNPACK's axis; one reshape view per input and a concat), the block
rearrangements DEPTH_TO_SPACE, SPACE_TO_DEPTH, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND (reshape
views around one transpose, with a pad or a crop), and BROADCAST_TO, REVERSE_V2 (a slice with
steps of 0 or -1)."""
from __future__ import annotations

import numpy as np
import tflite

from aot.frontends.tflite_ops.common import (
    BOTH,
    INT16,
    Reader,
    Unsupported,
    same_quantization,
)


def _axis(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise Unsupported(f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def _split_along(r: Reader, x: str, outs: list[str], axis: int, keep: bool):
    """One slice per output of consecutive blocks of ``x`` along ``axis``; without ``keep`` the
    outputs lack that axis (UNPACK) and each slice writes a temporary of one element along it."""
    shape = r.shapes[x]
    steps, offset = [], 0
    for out in outs:
        block = list(shape)
        block[axis] = r.shapes[out][axis] if keep else 1
        if (tuple(block) if keep else tuple(block[:axis] + block[axis + 1:])) != r.shapes[out]:
            raise Unsupported(f"output {list(r.shapes[out])} is not a block of the input {list(shape)} along axis {axis}")
        starts = [0] * len(shape)
        starts[axis] = offset
        offset += block[axis]
        target = out if keep else r.temp(out, block)
        steps.append(("slice", {"starts": starts, "steps": [1] * len(shape)}, [x], [target]))
        if not keep:
            steps.append(("reshape", {}, [target], [out]))
    if offset != shape[axis]:
        raise Unsupported(f"the outputs cover {offset} of the {shape[axis]} elements along axis {axis}")
    return steps


def _split(opname: str, data: int, axis_operand: int):
    """SPLIT (axis, x) and SPLIT_V (x, size_splits, axis): the outputs' shapes give the blocks."""
    def convert(r: Reader, op, ins):
        outs, x = r.outs(op), ins[data]
        same_quantization(r, [x, *outs], opname)
        axis = r.const(ins, axis_operand, "axis").reshape(-1)
        if axis.size != 1:
            raise Unsupported("the axis operand must hold one value")
        axis = _axis(int(axis[0]), len(r.shapes[x]))
        if opname == "SPLIT_V":
            sizes = [int(v) for v in r.const(ins, 1, "size_splits").reshape(-1)]
            if len(sizes) != len(outs) or any(s not in (-1, r.shapes[o][axis]) for s, o in zip(sizes, outs)):
                raise Unsupported(f"size_splits {sizes} do not match the outputs")
        return _split_along(r, x, outs, axis, keep=True)

    return convert


def _unpack(r: Reader, op, ins):
    outs = r.outs(op)
    same_quantization(r, [ins[0], *outs], "UNPACK")
    axis = _axis(r.options(op, tflite.UnpackOptions).Axis(), r.rank(ins))
    return _split_along(r, ins[0], outs, axis, keep=False)


def _pack(r: Reader, op, ins):
    y = r.outs(op)[0]
    same_quantization(r, [*ins, y], "PACK")
    axis = _axis(r.options(op, tflite.PackOptions).Axis(), len(r.shapes[y]))
    steps, parts = [], []
    for x in ins:
        shape = list(r.shapes[x])
        shape.insert(axis, 1)
        if len(shape) != len(r.shapes[y]) or any(n != m for a, (n, m) in enumerate(zip(shape, r.shapes[y])) if a != axis):
            raise Unsupported(f"input {list(r.shapes[x])} does not stack into {list(r.shapes[y])} along axis {axis}")
        parts.append(r.temp(x, shape))
        steps.append(("reshape", {}, [x], [parts[-1]]))
    return [*steps, ("concat", {"axis": axis}, parts, [y])]


class _Chain:
    """IR ops taking one input to the operator's output through temporaries (quantised like it)."""

    def __init__(self, r: Reader, x: str, y: str):
        self.r, self.x, self.y, self.steps = r, x, y, []

    @property
    def shape(self) -> tuple[int, ...]:
        return self.r.shapes[self.x]

    def then(self, kind: str, attrs: dict, shape) -> "_Chain":
        out = self.r.temp(self.y, shape)
        self.steps.append((kind, attrs, [self.x], [out]))
        self.x = out
        return self

    def reshape(self, shape) -> "_Chain":
        return self.then("reshape", {}, shape) if tuple(shape) != self.shape else self

    def transpose(self, perm) -> "_Chain":
        return self.then("transpose", {"perm": list(perm)}, [self.shape[p] for p in perm])

    def end(self, kind: str = "reshape", attrs=None) -> list:
        want = self.r.shapes[self.y]
        if kind == "reshape" and int(np.prod(self.shape)) != int(np.prod(want)):
            raise Unsupported(f"the result {list(self.shape)} does not fit the output {list(want)}")
        return [*self.steps, (kind, attrs or {}, [self.x], [self.y])]


def _nhwc(r: Reader, op, ins, opname: str) -> tuple[tuple[int, ...], str]:
    y = r.outs(op)[0]
    same_quantization(r, [ins[0], y], opname)
    if r.rank(ins) != 4:
        raise Unsupported(f"{opname} needs a 4-D NHWC input")
    return r.shapes[ins[0]], y


def _depth_to_space(r: Reader, op, ins):
    (n, h, w, c), y = _nhwc(r, op, ins, "DEPTH_TO_SPACE")
    b = r.options(op, tflite.DepthToSpaceOptions).BlockSize()
    if b < 1 or c % (b * b):
        raise Unsupported(f"block size {b}: the {c} channels are not a multiple of {b * b}")
    if r.shapes[y] != (n, h * b, w * b, c // (b * b)):
        raise Unsupported(f"the output {list(r.shapes[y])} is not {[n, h * b, w * b, c // (b * b)]}")
    return _Chain(r, ins[0], y).reshape((n, h, w, b, b, c // (b * b))).transpose((0, 1, 3, 2, 4, 5)).end()


def _space_to_depth(r: Reader, op, ins):
    (n, h, w, c), y = _nhwc(r, op, ins, "SPACE_TO_DEPTH")
    b = r.options(op, tflite.SpaceToDepthOptions).BlockSize()
    if b < 1 or h % b or w % b:
        raise Unsupported(f"block size {b} does not divide the input's H and W {[h, w]}")
    if r.shapes[y] != (n, h // b, w // b, c * b * b):
        raise Unsupported(f"the output {list(r.shapes[y])} is not {[n, h // b, w // b, c * b * b]}")
    return _Chain(r, ins[0], y).reshape((n, h // b, b, w // b, b, c)).transpose((0, 1, 3, 2, 4, 5)).end()


def _blocks(r: Reader, ins, opname: str) -> tuple[list[int], np.ndarray]:
    """block_shape (M values) and paddings or crops (M x 2) of SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND."""
    block = [int(v) for v in r.const(ins, 1, "block_shape").reshape(-1)]
    widths = r.const(ins, 2, "paddings" if opname == "SPACE_TO_BATCH_ND" else "crops").astype(np.int64)
    rank = r.rank(ins)
    if not 1 <= len(block) <= rank - 1 or widths.shape != (len(block), 2):
        raise Unsupported(f"block_shape {block} and {list(widths.shape)} widths do not fit a rank-{rank} input")
    if min(block) < 1 or (widths < 0).any():
        raise Unsupported("block sizes must be positive and widths non-negative")
    return block, widths


def _space_to_batch_nd(r: Reader, op, ins):
    """pad with a real zero (int8: the output's zero point, as TFLite; tflite-micro pads with its
    SpaceToBatchParams.output_offset, which it never sets) -> [N, H/b, b, W/b, b, C] -> blocks first."""
    y = r.outs(op)[0]
    same_quantization(r, [ins[0], y], "SPACE_TO_BATCH_ND")
    block, pads = _blocks(r, ins, "SPACE_TO_BATCH_ND")
    shape, m = r.shapes[ins[0]], len(block)
    before = [0, *(int(p) for p in pads[:, 0])] + [0] * (len(shape) - 1 - m)
    after = [0, *(int(p) for p in pads[:, 1])] + [0] * (len(shape) - 1 - m)
    padded = [n + b + a for n, b, a in zip(shape, before, after)]
    if any(padded[1 + k] % block[k] for k in range(m)):
        raise Unsupported(f"block_shape {block} does not divide the padded spatial shape {padded[1:1 + m]}")
    split = [padded[0]] + [d for k in range(m) for d in (padded[1 + k] // block[k], block[k])] + padded[1 + m:]
    perm = [2 + 2 * k for k in range(m)] + [0] + [1 + 2 * k for k in range(m)] + list(range(1 + 2 * m, len(split)))
    chain = _Chain(r, ins[0], y)
    if any(before) or any(after):
        t = r.tensors.get(y)
        value = t.quant.tensor_zero_point if t is not None and t.quant is not None else 0.0
        chain.then("pad", {"before": before, "after": after, "mode": "constant", "value": value}, padded)
    return chain.reshape(split).transpose(perm).end()


def _batch_to_space_nd(r: Reader, op, ins):
    """[b, b, N, H, W, C] -> [N, H, b, W, b, C] -> crop (a slice)."""
    y = r.outs(op)[0]
    same_quantization(r, [ins[0], y], "BATCH_TO_SPACE_ND")
    block, crops = _blocks(r, ins, "BATCH_TO_SPACE_ND")
    shape, m = r.shapes[ins[0]], len(block)
    total = int(np.prod(block))
    if shape[0] % total:
        raise Unsupported(f"the batch {shape[0]} is not a multiple of the block_shape {block} product")
    split = block + [shape[0] // total] + list(shape[1:])
    perm = [m] + [i for k in range(m) for i in (m + 1 + k, k)] + list(range(2 * m + 1, len(split)))
    full = [shape[0] // total] + [shape[1 + k] * block[k] for k in range(m)] + list(shape[1 + m:])
    starts = [0, *(int(c) for c in crops[:, 0])] + [0] * (len(shape) - 1 - m)
    if any(s + n > f for s, n, f in zip(starts, r.shapes[y], full)) or len(r.shapes[y]) != len(full):
        raise Unsupported(f"cropping {full} by {crops.tolist()} does not give the output {list(r.shapes[y])}")
    chain = _Chain(r, ins[0], y).reshape(split).transpose(perm).reshape(full)
    return chain.end("slice", {"starts": starts, "steps": [1] * len(full)})


def _broadcast_to(r: Reader, op, ins):
    y = r.outs(op)[0]
    same_quantization(r, [ins[0], y], "BROADCAST_TO")
    shape, out = r.shapes[ins[0]], tuple(int(v) for v in r.const(ins, 1, "shape").reshape(-1))
    padded = (1,) * (len(out) - len(shape)) + tuple(shape)
    if len(out) < len(shape) or any(n not in (1, m) for n, m in zip(padded, out)) or out != r.shapes[y]:
        raise Unsupported(f"{list(shape)} does not broadcast to {list(out)} (output {list(r.shapes[y])})")
    steps = [1 if n == m else 0 for n, m in zip(padded, out)]
    return _Chain(r, ins[0], y).reshape(padded).end("slice", {"starts": [0] * len(out), "steps": steps})


def _reverse_v2(r: Reader, op, ins):
    y = r.outs(op)[0]
    same_quantization(r, [ins[0], y], "REVERSE_V2")
    shape = r.shapes[ins[0]]
    axes = {int(a) % len(shape) if -len(shape) <= a < len(shape) else None for a in r.const(ins, 1, "axis").reshape(-1)}
    if None in axes:
        raise Unsupported(f"an axis is out of range for rank {len(shape)}")
    return "slice", {"starts": [n - 1 if a in axes else 0 for a, n in enumerate(shape)],
                     "steps": [-1 if a in axes else 1 for a in range(len(shape))]}, ins[:1]


CONVERTERS = {
    "PACK": (_pack, BOTH + INT16),
    "UNPACK": (_unpack, BOTH + INT16),
    "SPLIT": (_split("SPLIT", 1, 0), BOTH + INT16),
    "SPLIT_V": (_split("SPLIT_V", 0, 2), BOTH + INT16),
    "DEPTH_TO_SPACE": (_depth_to_space, BOTH),
    "SPACE_TO_DEPTH": (_space_to_depth, BOTH),
    "SPACE_TO_BATCH_ND": (_space_to_batch_nd, BOTH),
    "BATCH_TO_SPACE_ND": (_batch_to_space_nd, BOTH),
    "BROADCAST_TO": (_broadcast_to, BOTH + INT16),
    "REVERSE_V2": (_reverse_v2, BOTH + INT16),
}
