"""Elementwise functions of one input: attrs fn (one of FUNCTIONS) and its parameters
(alpha for leaky_relu / elu / hard_sigmoid / selu, beta for hard_sigmoid, gamma for selu,
min / max for clip, approximate "none" / "tanh" for gelu).

float32: FUNCTIONS, in float64 then rounded. int8 (the functions of aot/ops/int8_tables.py):
tflite-micro's integer arithmetic over the 256 possible inputs, a table the kernel indexes; or,
given attrs table (the 256 outputs for the inputs -128..127), that table: the QDQ pass
(aot/passes/qdq.py) computes it as dequantize -> the float function -> quantize. int16 (sigmoid,
tanh, leaky_relu, relu, clip; aot/ops/int16_unary.py): tflite-micro's int16 arithmetic, computed per element.
"""
from __future__ import annotations

import math

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import int8_tables, int16_unary
from aot.ops.traits import OpTraits

TRAITS = OpTraits(elementwise=True)

FUNCTIONS = {
    "relu": lambda x, a: np.maximum(x, 0.0),
    "leaky_relu": lambda x, a: np.where(x >= 0, x, x * a["alpha"]),
    "elu": lambda x, a: np.where(x >= 0, x, a["alpha"] * np.expm1(x)),
    "clip": lambda x, a: np.minimum(np.maximum(x, a["min"]), a["max"]),
    "sigmoid": lambda x, a: 1.0 / (1.0 + np.exp(-x)),
    "hard_sigmoid": lambda x, a: np.clip(a["alpha"] * x + a["beta"], 0.0, 1.0),
    "hardswish": lambda x, a: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "tanh": lambda x, a: np.tanh(x),
    "abs": lambda x, a: np.abs(x),
    "neg": lambda x, a: -x,
    "exp": lambda x, a: np.exp(x),
    "sqrt": lambda x, a: np.sqrt(x),
    "rsqrt": lambda x, a: 1.0 / np.sqrt(x),
    "square": lambda x, a: x * x,
    "log": lambda x, a: np.log(x),
    "sin": lambda x, a: np.sin(x),
    "cos": lambda x, a: np.cos(x),
    "floor": lambda x, a: np.floor(x),
    "ceil": lambda x, a: np.ceil(x),
    "round": lambda x, a: np.round(x),  # half to even
    "erf": lambda x, a: _erf(x),
    "gelu": lambda x, a: 0.5 * x * (1.0 + (np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))
                                          if a.get("approximate") == "tanh" else _erf(x / math.sqrt(2)))),
    "reciprocal": lambda x, a: 1.0 / x,
    "sign": lambda x, a: np.sign(x),
    "softplus": lambda x, a: np.logaddexp(0.0, x),
    "softsign": lambda x, a: x / (1.0 + np.abs(x)),
    "selu": lambda x, a: a["gamma"] * np.where(x > 0, x, a["alpha"] * np.expm1(x)),
    "mish": lambda x, a: x * np.tanh(np.logaddexp(0.0, x)),
}

_erf = np.vectorize(math.erf, otypes=[np.float64])


def int8_table(op: Op, g: Graph) -> np.ndarray:
    """The int8 outputs for the inputs -128..127 (int8_tables.NotInt8 if unsupported)."""
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if "table" in op.attrs:
        return np.asarray(op.attrs["table"], dtype=np.int8)
    return int8_tables.table(op.attrs["fn"], op.attrs, x.quant, y.quant)


def int16_constants(op: Op, g: Graph) -> dict:
    """The int16 kernel's constants (int16_unary.NotInt16 if unsupported)."""
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    return int16_unary.constants(op.attrs["fn"], op.attrs, x.quant, y.quant)


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    fn = op.attrs.get("fn")
    if fn not in FUNCTIONS:
        return [f"elementwise function {fn!r} is not supported"]
    if x.shape != y.shape or x.dtype != y.dtype or x.dtype not in ("float32", "int8", "int16"):
        return [f"{fn} {x.dtype}{list(x.shape)} -> {y.dtype}{list(y.shape)} is not supported (float32, int8 or int16)"]
    if x.dtype == "int16":
        try:
            int16_constants(op, g)
        except int16_unary.NotInt16 as e:
            return [str(e)]
    if x.dtype == "int8":
        try:
            int8_table(op, g)
        except int8_tables.NotInt8 as e:
            return [str(e)]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    x = inputs[0]
    if x.dtype == np.int8:
        return [int8_table(op, g)[x.astype(np.int64) + 128]]
    if x.dtype == np.int16:
        return [int16_unary.apply(op.attrs["fn"], int16_constants(op, g), x)]
    with np.errstate(all="ignore"):
        return [FUNCTIONS[op.attrs["fn"]](x.astype(np.float64), op.attrs).astype(np.float32)]
