"""EMBEDDING_LOOKUP: inputs ids (int32, 1-D) and a table (rank >= 2); output row ids[i] of the
table at row i. float32 table -> float32; int8 table -> int8 (the raw rows, as tflite-micro copies
them) or -> float32 (rows dequantised in float, zero point 0: TFLM's hybrid path). An id outside
the table (tflite-micro fails the invoke) reads the nearest row."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits()


def check(op: Op, g: Graph) -> list[str]:
    ids, table, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    if ids.dtype != "int32" or len(ids.shape) != 1:
        return [f"the ids must be a 1-D int32 tensor, not {ids.dtype}{list(ids.shape)}"]
    if len(table.shape) < 2 or table.shape[0] == 0:
        return [f"the table must have rank >= 2 and rows, not {list(table.shape)}"]
    if (table.dtype, y.dtype) not in (("float32", "float32"), ("int8", "int8"), ("int8", "float32")):
        return [f"embedding lookup from a {table.dtype} table into {y.dtype} is not supported"]
    if table.dtype == "int8" and y.dtype == "float32" and (table.quant is None or not table.quant.per_tensor
                                                           or table.quant.tensor_zero_point != 0):
        return ["an int8 table looked up into float32 needs a per-tensor quantisation with zero point 0"]
    if tuple(y.shape) != (ids.shape[0], *table.shape[1:]):
        return [f"looking up {list(ids.shape)} ids in a {list(table.shape)} table does not give {list(y.shape)}"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def dequantizes(op: Op, g: Graph) -> bool:
    """An int8 table looked up into float32 (rows multiplied by the table's scale)."""
    return g.tensor(op.inputs[1]).dtype == "int8" and g.tensor(op.outputs[0]).dtype == "float32"


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    ids, table = inputs
    rows = table[np.clip(ids.astype(np.int64), 0, table.shape[0] - 1)]
    if dequantizes(op, g):  # int * float in float32, as TFLM's Dequantize
        rows = rows.astype(np.float32) * np.float32(g.tensor(op.inputs[1]).quant.tensor_scale)
    return [rows.reshape(g.tensor(op.outputs[0]).shape)]
