"""GATHER_ND: y[n, ...] = x[indices[n, 0], ..., indices[n, K - 1], ...] (tf.gather_nd without
batch dims): indices (input 1, int32/int64, constant or computed) end in K <= rank(x) coordinates,
y.shape = indices.shape[:-1] + x.shape[K:]. Any dtype (int8: the stored bytes, x and y quantised
alike). A coordinate outside its axis is clamped into it (tflite-micro stops with an error);
given attrs wrap_negative (ONNX), a negative one first counts from the end (coordinate + n).
"""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.gather import INDEX_DTYPES
from aot.ops.traits import OpTraits

TRAITS = OpTraits(picked_inputs=lambda op: (0,))  # the data; the rest are indices


def check(op: Op, g: Graph) -> list[str]:
    x, idx, y = g.tensor(op.inputs[0]), g.tensor(op.inputs[1]), g.tensor(op.outputs[0])
    if idx.dtype not in INDEX_DTYPES or x.dtype != y.dtype:
        return [f"gather_nd needs int32/int64 indices and the output of x's type, not {idx.dtype} / {y.dtype}"]
    if not idx.shape or not 1 <= idx.shape[-1] <= len(x.shape):
        return [f"indices {list(idx.shape)} do not end in 1 to {len(x.shape)} coordinates"]
    k = idx.shape[-1]
    if y.shape != idx.shape[:-1] + x.shape[k:]:
        return [f"gathering {list(x.shape)} at {list(idx.shape)} does not give {list(y.shape)}"]
    if x.quant is not None and (y.quant is None or x.quant.to_json() != y.quant.to_json()):
        return ["quantised gather_nd needs x and the output quantised alike"]
    if idx.is_const and idx.size and ((idx.data < 0) | (idx.data >= np.asarray(x.shape[:k]))).any():
        return [f"a coordinate is outside x {list(x.shape)}"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, idx = inputs
    k = idx.shape[-1]
    dims = np.asarray(x.shape[:k])
    coords = idx.astype(np.int64).reshape(-1, k)
    if op.attrs.get("wrap_negative"):
        coords = np.where(coords < 0, coords + dims, coords)
    coords = np.clip(coords, 0, dims - 1)
    return [x[tuple(coords.T)].reshape(g.tensor(op.outputs[0]).shape)]
