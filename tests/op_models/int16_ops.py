"""Single-op models with int16 activations (TFLite's 16x8 mode: int16 tensors symmetric, zero point 0),
for the operators tflite-micro runs in int16 (the int8 -> int16 SOFTMAX is nn's softmax_to_int16): the
int8 generators of the other families drawn with dtype "int16" (Model gives int16 tensors the
quantisation of that mode), and the int16 SOFTMAX here.

Every generator here takes dtype "int16" (the dtype it is counted for in the frontend's claims).
"""
from __future__ import annotations

import numpy as np

from tests.op_models import activations, elementwise, layout, nn, reduce, shape
from tests.op_models.base import Model, T, random_shape

INT16 = ("int16",)


def _scale(rng: np.random.Generator, lo: float = 0.005, hi: float = 0.2) -> float:
    """An int16 scale: an int8-like step in [lo, hi] over 256 (the same real range, finer)."""
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) / 256


def _check(dtype: str) -> None:
    if dtype != "int16":
        raise ValueError(f"an int16 generator, not {dtype!r}")


def tensor16(m: Model, name: str, shape, scale: float, zero_point: int = 0, graph_input: bool = False) -> T:
    """An int16 activation of ``scale`` (and ``zero_point``, 0 unless said)."""
    t = T(m.b.add_tensor(name, shape, "int16", scale=scale, zero_point=zero_point), tuple(shape), scale, zero_point)
    if graph_input:
        m.inputs.append(t.index)
    return t


def make_softmax(rng: np.random.Generator, dtype: str = "int16") -> bytes:
    """int16 -> int16 (output 1/32768, zero point 0); input scales up to ~3x those of int8 models."""
    _check(dtype)
    m = Model(rng, "int8")
    shape = random_shape(rng, int(rng.integers(1, 5)), max_dim=4)[:-1] + (int(rng.integers(1, 33)),)
    x = tensor16(m, "x", shape, _scale(rng, 0.005, 0.6), graph_input=True)
    y = tensor16(m, "y", shape, 1 / 32768)
    return m.finish("SOFTMAX", [x], [y], beta=1.0 if rng.random() < 0.5 else float(rng.uniform(0.25, 2.0)))


# the int8 generators that draw int16 models too, by the name their family gives them
SHARED = {
    "add": elementwise.GENERATORS, "sub": elementwise.GENERATORS, "mul": elementwise.GENERATORS,
    "average_pool_2d": nn.GENERATORS, "max_pool_2d": nn.GENERATORS,
    "logistic": activations.GENERATORS, "tanh": activations.GENERATORS, "leaky_relu": activations.GENERATORS,
    "pad": shape.GENERATORS, "strided_slice": shape.GENERATORS, "concatenation": shape.GENERATORS,
    "reshape": shape.GENERATORS, "mean": reduce.GENERATORS, "sum": reduce.GENERATORS,
    "padv2": shape.GENERATORS, "transpose": shape.GENERATORS, "slice": shape.GENERATORS, "squeeze": shape.GENERATORS,
    "expand_dims": shape.GENERATORS, "pack": layout.GENERATORS, "unpack": layout.GENERATORS, "split": layout.GENERATORS,
    "split_v": layout.GENERATORS, "resize_nearest_neighbor": nn.GENERATORS, "maximum": elementwise.GENERATORS,
    "minimum": elementwise.GENERATORS, "relu": activations.GENERATORS, "relu6": activations.GENERATORS,
    "reverse_v2": layout.GENERATORS, "broadcast_to": layout.GENERATORS,
}

GENERATORS = {
    **{f"{op}_int16": (family[op][0], INT16) for op, family in SHARED.items()},
    "softmax_int16": (make_softmax, INT16),
}
