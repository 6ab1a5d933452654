"""BATCH_MATMUL: y[..., m, n] = sum_k A[..., m, k] * B[..., k, n], A = lhs (or its last two axes
swapped: adj_x), B = rhs (adj_y), batch axes broadcast; ranks 2 to 5, int8 or float32.

int8 as TFLM (reference_ops::BatchMatMul with FullyConnectedParams): per-tensor quantisation,
sum (a - a_zp) * (b - b_zp) in int32, lhs_scale * rhs_scale formed in float then / output_scale
(GetQuantizedConvolutionMultipler), MultiplyByQuantizedMultiplier, + output zero point, int8 range.

attrs: adj_x, adj_y.
"""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops import conv_common
from aot.ops.traits import OpTraits

TRAITS = OpTraits(rescales_int8_operands=True)


def operand_shapes(op: Op, g: Graph) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The shapes of A and B as multiplied (the last two axes of an adjoint operand swapped)."""
    a, b = (g.tensor(n).shape for n in op.inputs[:2])
    a = a[:-2] + a[:-3:-1] if op.attrs["adj_x"] else a
    b = b[:-2] + b[:-3:-1] if op.attrs["adj_y"] else b
    return a, b


def check(op: Op, g: Graph) -> list[str]:
    lhs, rhs, y = g.tensor(op.inputs[0]), g.tensor(op.inputs[1]), g.tensor(op.outputs[0])
    if not (2 <= len(lhs.shape) <= 5 and 2 <= len(rhs.shape) <= 5):
        return [f"operands of rank {len(lhs.shape)} and {len(rhs.shape)}: ranks 2 to 5 are supported"]
    if not (lhs.dtype == rhs.dtype == y.dtype) or lhs.dtype not in ("int8", "float32"):
        return [f"operands {lhs.dtype}, {rhs.dtype} and output {y.dtype}: int8 or float32 throughout are supported"]
    a, b = operand_shapes(op, g)
    try:
        batch = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return [f"batch axes {list(a[:-2])} and {list(b[:-2])} do not broadcast"]
    if a[-1] != b[-2] or tuple(batch) + (a[-2], b[-1]) != y.shape:
        return [f"{list(lhs.shape)} x {list(rhs.shape)} does not give {list(y.shape)}"]
    if lhs.dtype == "int8" and any(t.quant is None or not t.quant.per_tensor for t in (lhs, rhs, y)):
        return ["int8 batch_matmul needs per-tensor quantisation of both operands and the output"]
    return []


def macs(op: Op, g: Graph) -> int:
    a, _ = operand_shapes(op, g)
    return g.tensor(op.outputs[0]).size * a[-1]


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    a, b = inputs
    if op.attrs["adj_x"]:
        a = np.swapaxes(a, -1, -2)
    if op.attrs["adj_y"]:
        b = np.swapaxes(b, -1, -2)
    if a.dtype == np.float32:
        return [np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.float32)]
    stage = conv_common.output_stage(op, g, product_in_float=True)
    acc = np.matmul(a.astype(np.int64) + stage.input_offset, b.astype(np.int64) + stage.weight_offset)
    return [quant.requantize(acc, stage.multiplier, stage.shift, stage.output_offset, stage.act_min, stage.act_max)]
