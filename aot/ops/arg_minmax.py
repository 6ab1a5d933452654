"""ARG_MAX / ARG_MIN along one axis: attrs fn ("max" or "min"), axis (non-negative), optional last
(ONNX's select_last_index, default False); int8 or float32 input, int32 output (the axis dropped).
The index of the first extreme value, as tflite-micro's reference ArgMinMax (a strict comparison
walking the axis upwards); with last, of the last one (a non-strict comparison)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits()

FUNCTIONS = {"max": np.argmax, "min": np.argmin}


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    fn, axis = op.attrs.get("fn"), op.attrs.get("axis")
    if fn not in FUNCTIONS:
        return [f"arg_{fn} is not supported (max or min)"]
    if x.dtype not in ("int8", "float32") or y.dtype != "int32":
        return [f"arg_{fn} of {x.dtype} into {y.dtype} is not supported (int8 or float32 into int32)"]
    if not isinstance(axis, int) or not 0 <= axis < len(x.shape) or x.shape[axis] == 0:
        return [f"axis {axis} does not fit input {list(x.shape)}"]
    if tuple(y.shape) != tuple(x.shape[:axis] + x.shape[axis + 1:]):
        return [f"arg_{fn} of {list(x.shape)} along axis {axis} does not give {list(y.shape)}"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, axis = inputs[0], op.attrs["axis"]
    if op.attrs.get("last"):  # the first extreme of the reversed axis, counted from the end
        out = x.shape[axis] - 1 - FUNCTIONS[op.attrs["fn"]](np.flip(x, axis), axis=axis)
    else:
        out = FUNCTIONS[op.attrs["fn"]](x, axis=axis)  # the first extreme, as TFLM
    return [np.asarray(out).astype(np.int32).reshape(g.tensor(op.outputs[0]).shape)]
