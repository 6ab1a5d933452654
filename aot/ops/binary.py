"""Elementwise functions of two inputs with NumPy broadcasting: attrs fn (one of FUNCTIONS),
activation (NONE, RELU, RELU6, RELU_N1_TO_1; the clamp of the output). ADD has its own kind
(aot/ops/add.py); this covers the rest.

int32 (the functions in INTEGER): int32_t arithmetic, wrapping as TFLite's does on overflow, div
truncating toward zero. int8 (the same functions, TFLite Micro's reference integer kernels):
- sub: ADD's rescale of both inputs to 2^20 (add.params / add.rescaled), their difference
  requantised;
- squared_difference: the same rescale to 2^7, the squared difference requantised;
- mul: (a - za) (b - zb) requantised by s_a s_b / s_y;
- div: reference_ops::DivElementwise: the reciprocal of (b - zb) in fixed point, the product
  requantised by s_a / (s_b s_y); its final RoundingDivideByPOT may shift by more than 31
  (rdbpot_wide: what TFLite Micro computes then);
- max, min: on the stored integers (TFLite compares them as they are; the inputs and the
  output must share one quantisation for that to be the real max/min).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aot.core import quant
from aot.core.fixedpoint import count_leading_zeros_u32, get_reciprocal
from aot.core.ir import Graph, Op
from aot.ops import add
from aot.ops.traits import OpTraits

TRAITS = OpTraits(broadcasting=True, fused_activation=True,
                  picked_inputs=lambda op: (0, 1) if op.attrs["fn"] in ("max", "min") else ())


def _floor_mod(a, b):
    """TFLite FloorMod: fmod, moved to the divisor's sign."""
    r = np.fmod(a, b)
    return np.where((r != 0) & ((b < 0) != (r < 0)), r + b, r)


FUNCTIONS = {
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "max": np.maximum,
    "min": np.minimum,
    "pow": np.power,
    "squared_difference": lambda a, b: np.square(a - b),
    "floor_div": lambda a, b: np.floor(a / b),
    "floor_mod": _floor_mod,
    "fmod": np.fmod,  # ONNX Mod with fmod=1: the dividend's sign
}
INTEGER = ("sub", "mul", "div", "max", "min", "squared_difference")  # int8 and int32 too
INT16 = ("sub", "mul", "max", "min")  # and int16 (16x8): sub at 2^15 (add.LEFT_SHIFTS), mul with zero points 0, as TFLM
SQUARED_DIFFERENCE_SHIFT = 7  # TFLite's left shift for int8 SQUARED_DIFFERENCE
DIV_SHIFTS = 24  # int8 div's final shift, reciprocal (<= 7) + headroom (<= 31) - output shift, stays below 64


@dataclass(frozen=True)
class Requant:
    """mul / div: input offsets, the output multiplier, shift and offset, the clamp."""

    input1_offset: int
    input2_offset: int
    output_offset: int
    output_multiplier: int
    output_shift: int
    act_min: int
    act_max: int


def params(op: Op, g: Graph) -> add.AddParams | Requant | tuple[int, int]:
    """The int8 (int16) constants of ``op``: AddParams (sub, squared_difference), Requant (mul, div), or
    the clamp range (max, min)."""
    fn = op.attrs["fn"]
    if fn == "sub":
        return add.params(op, g)
    if fn == "squared_difference":
        return add.params(op, g, SQUARED_DIFFERENCE_SHIFT, power=2)
    a, b, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    lo, hi = quant.activation_range(op.attrs.get("activation", "NONE"), y.dtype, y.quant.tensor_scale, y.quant.tensor_zero_point)
    if fn in ("max", "min"):
        return lo, hi
    sa, sb, sy = (np.float64(np.float32(t.quant.tensor_scale)) for t in (a, b, y))  # float scales, double arithmetic
    real = sa * sb / sy if fn == "mul" else sa / (sb * sy)
    m, s = quant.quantize_multiplier(float(real))
    return Requant(-a.quant.tensor_zero_point, -b.quant.tensor_zero_point, y.quant.tensor_zero_point, m, s, lo, hi)


def shapes_problem(a, b, y) -> list[str]:
    """Why tensors ``a`` and ``b`` do not broadcast to ``y``'s shape ([] if they do)."""
    try:
        if np.broadcast_shapes(a.shape, b.shape) != y.shape:
            return [f"shapes {list(a.shape)} and {list(b.shape)} do not broadcast to {list(y.shape)}"]
    except ValueError:
        return [f"shapes {list(a.shape)} and {list(b.shape)} do not broadcast"]
    return []


def check(op: Op, g: Graph) -> list[str]:
    a, b, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    fn = op.attrs.get("fn")
    if fn not in FUNCTIONS:
        return [f"elementwise function {fn!r} is not supported"]
    if op.attrs.get("activation", "NONE") not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
        return [f"fused activation {op.attrs['activation']} is not supported on {fn}"]
    dtypes = ("float32", "int8", "int32") + (("int16",) if fn in INT16 else ()) if fn in INTEGER else ("float32",)
    if not (a.dtype == b.dtype == y.dtype) or a.dtype not in dtypes:
        return [f"{fn} {a.dtype}, {b.dtype} -> {y.dtype} is not supported ({' or '.join(dtypes)})"]
    if a.dtype in ("int8", "int16"):
        if any(t.quant is None or not t.quant.per_tensor for t in (a, b, y)):
            return [f"{a.dtype} {fn} needs per-tensor quantisation on both inputs and the output"]
        if a.dtype == "int16" and fn == "mul" and any(t.quant.tensor_zero_point for t in (a, b, y)):
            return ["int16 mul needs zero points 0 on both inputs and the output (as TFLite Micro)"]
        if fn == "div" and not -DIV_SHIFTS <= params(op, g).output_shift <= 22:
            return [f"int8 div: the output scale {y.quant.tensor_scale:g} is out of range for the input scales"]
        if fn in ("max", "min") and not (a.quant.to_json() == b.quant.to_json() == y.quant.to_json()):
            return [f"int8 {fn} needs one quantisation shared by both inputs and the output"]
    return shapes_problem(a, b, y)


def macs(op: Op, g: Graph) -> int:
    return 0


def _count_leading_sign_bits(x: np.ndarray) -> np.ndarray:
    """TFLite CountLeadingSignBits of int32 values (31 for 0)."""
    return count_leading_zeros_u32(np.where(x < 0, ~x, x)) - 1


def rdbpot_wide(x: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """gemmlowp's RoundingDivideByPOT as TFLite Micro runs it (x86) for an exponent of 0 to 63:
    past 31 its mask (1ll << e) - 1 truncates to int32 all ones and the shift counts mod 32,
    so x >> (e mod 32), plus 1 where x >= 0."""
    return np.where(exponent < 32, quant.rdbpot(x, np.minimum(exponent, 31)), (x >> (exponent & 31)) + (x >= 0))


def _int8(fn: str, p, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The int8 (int16) kernel of ``fn`` before the clamp, int64."""
    if fn in ("max", "min"):
        return FUNCTIONS[fn](a.astype(np.int64), b.astype(np.int64))
    if fn in ("sub", "squared_difference"):
        sa, sb = add.rescaled(a, b, p)
        d = sa - sb
        return quant.mbqm(d if fn == "sub" else d * d, p.output_multiplier, p.output_shift) + p.output_offset
    u, v = np.broadcast_arrays(a.astype(np.int64) + p.input1_offset, b.astype(np.int64) + p.input2_offset)
    if fn == "mul":
        return quant.mbqm(u * v, p.output_multiplier, p.output_shift) + p.output_offset
    u, v = np.where(v < 0, -u, u), np.abs(v)
    inv, recip_shift = get_reciprocal(v, 31)  # v == 0 too: TFLite runs it (its DCHECK is off)
    headroom = _count_leading_sign_bits(u)
    q = quant.mbqm_greater_than_one(u, inv, headroom)
    return rdbpot_wide(quant.srdhm(q, p.output_multiplier), recip_shift + headroom - p.output_shift) + p.output_offset


def int32_range(activation: str) -> tuple[int, int]:
    """The clamp of a fused activation on int32 values (CalculateActivationRange<int32_t>)."""
    return quant.activation_range(activation, "int32", 1.0, 0)


def _int32(fn: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.broadcast_arrays(a.astype(np.int64), b.astype(np.int64))
    if fn == "div":
        safe = np.where(b == 0, 1, b)  # (TFLite traps on a zero divisor)
        return quant.wrap_int32(np.sign(a) * np.sign(safe) * (np.abs(a) // np.abs(safe)))
    if fn == "squared_difference":
        d = quant.wrap_int32(a - b)
        return quant.wrap_int32(d * d)
    return quant.wrap_int32(FUNCTIONS[fn](a, b))


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    a, b = inputs[:2]
    fn, act = op.attrs["fn"], op.attrs.get("activation", "NONE")
    if a.dtype == np.float32:
        with np.errstate(all="ignore"):
            return [quant.float_clamp(FUNCTIONS[fn](a.astype(np.float64), b.astype(np.float64)), act)]
    if a.dtype == np.int32:
        return [np.clip(_int32(fn, a, b), *int32_range(act)).astype(np.int32)]
    p = params(op, g)
    lo, hi = p if fn in ("max", "min") else (p.act_min, p.act_max)
    return [np.clip(_int8(fn, p, a, b), lo, hi).astype(a.dtype)]
