"""Comparisons of two inputs with NumPy broadcasting, a bool output: attrs fn (one of FUNCTIONS).
float32, int32 and bool compare as they are; int8 as TFLite Micro's reference
ComparisonWithScaling: both inputs rescaled (add.rescaled) by their own scale to 2^8 fixed point
(the multipliers quantise the scales themselves), then compared."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops import add
from aot.ops.binary import shapes_problem
from aot.ops.traits import OpTraits

TRAITS = OpTraits(broadcasting=True)

FUNCTIONS = {
    "equal": np.equal,
    "not_equal": np.not_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
}
LEFT_SHIFT = 8  # TFLite's for int8 comparisons
DTYPES = ("float32", "int8", "int32", "bool")


def params(op: Op, g: Graph) -> add.AddParams:
    """The int8 rescale (only the input fields matter: a comparison has no output stage)."""
    a, b = (g.tensor(n) for n in op.inputs[:2])
    m1, s1 = quant.quantize_multiplier(float(np.float32(a.quant.tensor_scale)))
    m2, s2 = quant.quantize_multiplier(float(np.float32(b.quant.tensor_scale)))
    return add.AddParams(-a.quant.tensor_zero_point, -b.quant.tensor_zero_point, 0, m1, s1, m2, s2, 0, 0, 0, 1, LEFT_SHIFT)


def check(op: Op, g: Graph) -> list[str]:
    a, b, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    fn = op.attrs.get("fn")
    if fn not in FUNCTIONS:
        return [f"comparison {fn!r} is not supported"]
    if a.dtype != b.dtype or a.dtype not in DTYPES or y.dtype != "bool":
        return [f"{fn} {a.dtype}, {b.dtype} -> {y.dtype} is not supported ({', '.join(DTYPES)} -> bool)"]
    if a.dtype == "int8":
        if any(t.quant is None or not t.quant.per_tensor for t in (a, b)):
            return [f"int8 {fn} needs per-tensor quantisation on both inputs"]
        if any(not 0 < t.quant.tensor_scale < 1 for t in (a, b)):
            return [f"int8 {fn} needs input scales in (0, 1)"]
    return shapes_problem(a, b, y)


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    a, b = inputs[:2]
    if a.dtype == np.int8:
        a, b = add.rescaled(a, b, params(op, g))
    return [FUNCTIONS[op.attrs["fn"]](a, b)]
