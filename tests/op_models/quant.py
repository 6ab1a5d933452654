"""Single-op models: QUANTIZE (float32 -> int8, int8 -> int8) and DEQUANTIZE."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import Model, random_quant, random_shape


def _check_int8(dtype: str, op: str) -> None:
    if dtype != "int8":
        raise ValueError(f"{op} converts to/from int8; dtype must be 'int8', not {dtype!r}")


def make_quantize(rng: np.random.Generator, dtype: str = "int8", source: str = "float32") -> bytes:
    """float32 -> int8, or int8 -> int8 requantisation with ``source="int8"``."""
    _check_int8(dtype, "QUANTIZE")
    m = Model(rng, "int8")
    shape = random_shape(rng, int(rng.integers(1, 5)))
    x = m.input("x", shape, dtype=source)
    covering = source == "int8" and rng.random() < 0.5  # else random: some values saturate
    y = m.output(shape, *x.real_range()) if covering else m.output(shape, quant=random_quant(rng))
    return m.finish("QUANTIZE", [x], [y])


def make_requantize(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return make_quantize(rng, dtype, source="int8")


def make_dequantize(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    _check_int8(dtype, "DEQUANTIZE")
    m = Model(rng, "int8")
    shape = random_shape(rng, int(rng.integers(1, 5)))
    x = m.input("x", shape)
    y = m.output(shape, dtype="float32")
    return m.finish("DEQUANTIZE", [x], [y])


GENERATORS = {
    "quantize": (make_quantize, ("int8",)),
    "requantize": (make_requantize, ("int8",)),
    "dequantize": (make_dequantize, ("int8",)),
}
