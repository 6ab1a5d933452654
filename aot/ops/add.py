"""ADD with broadcasting. int8: TFLite's rescale of both inputs to a common 2^20 fixed point;
int16 (16x8): the same at 2^15 (TFLM's general int16 path, not the power-of-two one).

attrs: activation. ``params`` and ``rescaled`` are the rescale TFLite shares between ADD, SUB
(aot/ops/binary.py, 2^20 / 2^15) and SQUARED_DIFFERENCE (2^7, the output multiplier squared).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits

TRAITS = OpTraits(fused_activation=True, broadcasting=True, rescales_int8_operands=True)

LEFT_SHIFT = 20
LEFT_SHIFTS = {"int8": LEFT_SHIFT, "int16": 15}  # by dtype: (65535 << 15) + (65535 << 15) fits int32


@dataclass(frozen=True)
class AddParams:
    input1_offset: int
    input2_offset: int
    output_offset: int
    input1_multiplier: int
    input1_shift: int
    input2_multiplier: int
    input2_shift: int
    output_multiplier: int
    output_shift: int
    act_min: int
    act_max: int
    left_shift: int = LEFT_SHIFT


def params(op: Op, g: Graph, left_shift: int | None = None, power: int = 1) -> AddParams:
    """Both inputs to a common scale 2 max(s1, s2) / 2^left_shift (None: the dtype's LEFT_SHIFTS);
    the output multiplier maps that scale to the power ``power`` (2: a product of two rescaled
    values) to the output's."""
    a, b, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    left_shift = LEFT_SHIFTS[y.dtype] if left_shift is None else left_shift
    twice_max = 2 * np.float64(max(np.float32(a.quant.tensor_scale), np.float32(b.quant.tensor_scale)))
    m1, s1 = quant.quantize_multiplier(np.float64(np.float32(a.quant.tensor_scale)) / twice_max)
    m2, s2 = quant.quantize_multiplier(np.float64(np.float32(b.quant.tensor_scale)) / twice_max)
    mo, so = quant.quantize_multiplier(twice_max ** power / ((1 << left_shift * power) * np.float64(np.float32(y.quant.tensor_scale))))
    lo, hi = quant.activation_range(op.attrs.get("activation", "NONE"), y.dtype, y.quant.tensor_scale, y.quant.tensor_zero_point)
    return AddParams(-a.quant.tensor_zero_point, -b.quant.tensor_zero_point, y.quant.tensor_zero_point, m1, s1, m2, s2, mo, so,
                     lo, hi, left_shift)


def rescaled(a: np.ndarray, b: np.ndarray, p: AddParams) -> tuple[np.ndarray, np.ndarray]:
    """Both int8 (int16) inputs at the common scale (TFLite's scaled_input1_val, scaled_input2_val)."""
    return (quant.mbqm((np.asarray(a, np.int64) + p.input1_offset) << p.left_shift, p.input1_multiplier, p.input1_shift),
            quant.mbqm((np.asarray(b, np.int64) + p.input2_offset) << p.left_shift, p.input2_multiplier, p.input2_shift))


def check(op: Op, g: Graph) -> list[str]:
    a, b, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    problems = []
    if not (a.dtype == b.dtype == y.dtype) or a.dtype not in ("int8", "int16", "float32"):
        problems.append(f"types {a.dtype}+{b.dtype}->{y.dtype} are not supported (int8, int16 or float32)")
    elif a.dtype != "float32" and any(t.quant is None or not t.quant.per_tensor for t in (a, b, y)):
        problems.append(f"{a.dtype} add needs per-tensor quantisation on both inputs and the output")
    try:
        if np.broadcast_shapes(a.shape, b.shape) != y.shape:
            problems.append(f"shapes {list(a.shape)} + {list(b.shape)} do not broadcast to {list(y.shape)}")
    except ValueError:
        problems.append(f"shapes {list(a.shape)} and {list(b.shape)} do not broadcast")
    return problems


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    a, b = inputs[:2]
    if a.dtype == np.float32:
        return [quant.float_clamp(a.astype(np.float64) + b.astype(np.float64), op.attrs.get("activation", "NONE"))]
    p = params(op, g)
    sa, sb = rescaled(a, b, p)
    out = quant.mbqm(sa + sb, p.output_multiplier, p.output_shift) + p.output_offset
    return [np.clip(out, p.act_min, p.act_max).astype(a.dtype)]
