"""GATHER: y = x gathered along ``axis`` at the int32/int64 ``indices`` (input 1, constant or
computed), the first ``batch_dims`` axes of x and indices paired (TensorFlow's tf.gather):
y.shape = x.shape[:axis] + indices.shape[batch_dims:] + x.shape[axis + 1:]. Any dtype (int8: the
stored bytes, x and y quantised alike). An index outside [0, x.shape[axis]) is clamped into it
(tflite-micro stops with an error there).

attrs: axis, batch_dims (non-negative, batch_dims <= axis); optional wrap_negative (ONNX: an index
in [-n, 0) counts from the end, index + n, before the clamp).
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(picked_inputs=lambda op: (0,))  # the data; the rest are indices
INDEX_DTYPES = ("int32", "int64")


def blocks(op: Op, g: Graph) -> tuple[int, int, int, int, int]:
    """(batches B, outer O, axis A, gathered per batch N, inner I): x is [B, O, A, I], indices
    [B, N] and y [B, O, N, I]."""
    x, idx = g.tensor(op.inputs[0]), g.tensor(op.inputs[1])
    axis, bd = op.attrs["axis"], op.attrs["batch_dims"]
    size = lambda dims: int(np.prod(dims, dtype=np.int64))  # noqa: E731
    return size(x.shape[:bd]), size(x.shape[bd:axis]), x.shape[axis], size(idx.shape[bd:]), size(x.shape[axis + 1:])


def check(op: Op, g: Graph) -> list[str]:
    x, idx, y = g.tensor(op.inputs[0]), g.tensor(op.inputs[1]), g.tensor(op.outputs[0])
    axis, bd = op.attrs["axis"], op.attrs["batch_dims"]
    if idx.dtype not in INDEX_DTYPES or x.dtype != y.dtype:
        return [f"gather needs int32/int64 indices and the output of x's type, not {idx.dtype} / {y.dtype}"]
    if not 0 <= bd <= axis < len(x.shape) or bd > len(idx.shape) or x.shape[:bd] != idx.shape[:bd]:
        return [f"axis {axis} / batch_dims {bd} do not fit x {list(x.shape)} and indices {list(idx.shape)}"]
    if y.shape != x.shape[:axis] + idx.shape[bd:] + x.shape[axis + 1:]:
        return [f"gathering {list(x.shape)} at {list(idx.shape)} does not give {list(y.shape)}"]
    if x.quant is not None and (y.quant is None or x.quant.to_json() != y.quant.to_json()):
        return ["quantised gather needs x and the output quantised alike"]
    if idx.is_const and idx.size and (idx.data.min() < 0 or idx.data.max() >= x.shape[axis]):
        return [f"an index is outside [0, {x.shape[axis]})"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    b, o, a, n, i = blocks(op, g)
    x = inputs[0].reshape(b, o, a, i)
    idx = inputs[1].astype(np.int64)
    if op.attrs.get("wrap_negative"):
        idx = np.where(idx < 0, idx + a, idx)
    idx = np.clip(idx, 0, a - 1).reshape(b, n)
    y = x[np.arange(b)[:, None, None], np.arange(o)[None, :, None], idx[:, None, :]]
    return [y.reshape(g.tensor(op.outputs[0]).shape)]
