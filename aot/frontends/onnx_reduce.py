"""ONNX reductions and scans: ReduceMean / Sum / Max / Min / Prod (axes as an attribute or, from
opset 13 / 18, a constant input; noop_with_empty_axes), ArgMax / ArgMin (keepdims,
select_last_index) and CumSum (constant axis, exclusive, reverse).

ONNX's ArgMax / ArgMin give int64 indices; here they are int32 (our kernels index with int32),
the same values.
"""
from __future__ import annotations

from aot.frontends.onnx_builder import Builder, Unsupported, inp


def _axis(axis, rank: int) -> int:
    if not -rank <= int(axis) < max(rank, 1):
        raise Unsupported(f"axis {int(axis)} is out of range for rank {rank}")
    return int(axis) % max(rank, 1)


def _reduce(b: Builder, node, attrs) -> None:
    x = b.value(node.input[0])
    rank = len(b.shape(x))
    if inp(node, 1):
        axes = [int(a) for a in b.require_const(inp(node, 1), "axes").reshape(-1)]
    else:
        axes = list(attrs.get("axes", []))
    if not axes:
        if attrs.get("noop_with_empty_axes"):
            b.unary("reshape", x, None, node.output[0])
            return
        axes = list(range(rank))
    fn = node.op_type[len("Reduce"):].lower()
    axes = sorted({_axis(a, rank) for a in axes})
    b.unary("reduce", x, None, node.output[0], fn=fn, axes=axes, keepdims=bool(attrs.get("keepdims", 1)))


def _arg(b: Builder, node, attrs) -> None:
    x = b.value(node.input[0])
    shape = b.shape(x)
    axis = _axis(attrs.get("axis", 0), len(shape))
    y = node.output[0]
    b.infos[y] = (b.shape(y), "int32")  # ONNX's int64 indices, held as int32
    extra = {"last": True} if attrs.get("select_last_index") else {}
    fn = node.op_type[len("Arg"):].lower()
    if attrs.get("keepdims", 1):
        dropped = b.new(y, shape[:axis] + shape[axis + 1:], "int32")
        b.emit("arg_minmax", [x], [dropped], fn=fn, axis=axis, **extra)
        b.reshape(dropped, b.shape(y), out=y)
    else:
        b.emit("arg_minmax", [x], [b.value(y)], fn=fn, axis=axis, **extra)


def _cumsum(b: Builder, node, attrs) -> None:
    x = b.value(node.input[0])
    axis = b.require_const(node.input[1], "axis").reshape(-1)
    if axis.size != 1:
        raise Unsupported(f"axis {axis.tolist()} is not one axis")
    b.unary("cumsum", x, None, node.output[0], axis=_axis(axis[0], len(b.shape(x))),
            exclusive=bool(attrs.get("exclusive", 0)), reverse=bool(attrs.get("reverse", 0)))


REDUCE_CONVERTERS = {
    **{f"Reduce{f}": (_reduce, ("axes", "keepdims", "noop_with_empty_axes")) for f in ("Mean", "Sum", "Max", "Min", "Prod")},
    "ArgMax": (_arg, ("axis", "keepdims", "select_last_index")),
    "ArgMin": (_arg, ("axis", "keepdims", "select_last_index")),
    "CumSum": (_cumsum, ("exclusive", "reverse")),
}
