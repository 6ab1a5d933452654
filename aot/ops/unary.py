"""Elementwise float functions of one input: attrs fn (one of FUNCTIONS) and its parameters
(alpha for leaky_relu / elu / hard_sigmoid, beta for hard_sigmoid, min / max for clip)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
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
    "floor": lambda x, a: np.floor(x),
    "ceil": lambda x, a: np.ceil(x),
}


def check(op: Op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    if op.attrs.get("fn") not in FUNCTIONS:
        return [f"elementwise function {op.attrs.get('fn')!r} is not supported"]
    if not (x.dtype == y.dtype == "float32") or x.shape != y.shape:
        return [f"{op.attrs['fn']} {x.dtype}{list(x.shape)} -> {y.dtype}{list(y.shape)} is not supported (float32 only)"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    with np.errstate(all="ignore"):
        return [FUNCTIONS[op.attrs["fn"]](inputs[0].astype(np.float64), op.attrs).astype(np.float32)]
