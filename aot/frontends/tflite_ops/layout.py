"""TFLite operators that move data between several tensors (PACK, UNPACK, SPLIT, SPLIT_V), each
lowered to several IR ops: one slice per output (a reshape drops UNPACK's axis, a view), or one
reshape per input (a view) and a concat."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import BOTH, Reader, Unsupported


def same_quantization(r: Reader, names, opname: str) -> None:
    """Refuse int8 operands quantised differently: the op copies the stored bytes, like tflite-micro."""
    quants = {None if t is None or t.quant is None else str(t.quant.to_json())
              for t in (r.tensors.get(n) for n in names if n is not None)}
    if len(quants) > 1:
        raise Unsupported(f"inputs and outputs of {opname} are quantised differently (requantising is not supported)")


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


def _split(r: Reader, op, ins):
    outs = r.outs(op)
    same_quantization(r, [ins[1], *outs], "SPLIT")
    axis = r.const(ins, 0, "axis").reshape(-1)
    if axis.size != 1:
        raise Unsupported("the axis operand must hold one value")
    return _split_along(r, ins[1], outs, _axis(int(axis[0]), len(r.shapes[ins[1]])), keep=True)


def _split_v(r: Reader, op, ins):
    outs = r.outs(op)
    same_quantization(r, [ins[0], *outs], "SPLIT_V")
    axis = r.const(ins, 2, "axis").reshape(-1)
    if axis.size != 1:
        raise Unsupported("the axis operand must hold one value")
    return _split_along(r, ins[0], outs, _axis(int(axis[0]), r.rank(ins)), keep=True)


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


CONVERTERS = {
    "PACK": (_pack, BOTH),
    "UNPACK": (_unpack, BOTH),
    "SPLIT": (_split, BOTH),
    "SPLIT_V": (_split_v, BOTH),
}
