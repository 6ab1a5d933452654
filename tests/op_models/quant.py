"""Single-op models: QUANTIZE and DEQUANTIZE between the dtypes tflite-micro converts.

A generator's dtype is the integer side it is named for: the output of ``quantize`` (from float32)
and of the ``requantize_from_<dtype>`` ones, the input of ``dequantize``.
"""
from __future__ import annotations

import numpy as np

from tests.op_models.base import Model, T, random_shape

JITTER = (0.8, 1.25)  # a calibrated scale is within this factor of the one covering the range
QUANTIZE = ("int8", "int16")  # from float32
REQUANTIZE = {"int8": ("int8", "uint8", "int16"), "uint8": ("int8",), "int16": ("int8", "int16", "int32")}  # source: outputs
DEQUANTIZE = ("int8", "uint8", "int16")


def _scale(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _qtensor(m: Model, name: str, shape, dtype: str, quant: tuple[float, int] | None = None,
             graph_input: bool = False) -> T:
    """A float32 or quantised int8/uint8/int16/int32 tensor (int16, int32 symmetric, as converters make them)."""
    if dtype == "float32":
        t = T(m.b.add_tensor(name, shape, "float32"), tuple(shape))
    else:
        info = np.iinfo(np.dtype(dtype))
        if quant is None:
            zp = 0 if dtype in ("int16", "int32") else int(m.rng.integers(info.min, info.max + 1))
            quant = (_scale(m.rng, 0.005, 0.2) * (256 / (info.max - info.min + 1)), zp)
        t = T(m.b.add_tensor(name, shape, dtype, scale=quant[0], zero_point=quant[1]), tuple(shape), *quant)
    if graph_input:
        m.inputs.append(t.index)
    return t


def _check(dtype: str, allowed: tuple[str, ...], what: str) -> None:
    if dtype not in allowed:
        raise ValueError(f"{what}: dtype must be one of {allowed}, not {dtype!r}")


def _covering(m: Model, x: T, src: str, dtype: str) -> tuple[float, int]:
    """Quantisation of ``dtype`` covering the real range of ``x`` (over all values of ``src``)."""
    i, o = np.iinfo(np.dtype(src)), np.iinfo(np.dtype(dtype))
    lo, hi = x.scale * (i.min - x.zero_point), x.scale * (i.max - x.zero_point)
    if dtype in ("int16", "int32"):
        return max(-lo, hi) / o.max * _scale(m.rng, *JITTER), 0
    scale = (hi - lo) / (o.max - o.min) * _scale(m.rng, *JITTER)
    return scale, int(np.clip(np.round(o.min - lo / scale), o.min, o.max))


def _requantize(src: str):
    """QUANTIZE from ``src`` to the generator's dtype: covering the input's range, random (some
    values saturate), or, between int8 and uint8, the same scale with the zero point moved by 128."""

    def make_op(rng: np.random.Generator, dtype: str) -> bytes:
        _check(dtype, REQUANTIZE[src], f"QUANTIZE from {src}")
        m = Model(rng, "int8")
        shape = random_shape(rng, int(rng.integers(1, 5)))
        x = _qtensor(m, "x", shape, src, graph_input=True)
        draw = rng.random()
        if {src, dtype} == {"int8", "uint8"} and draw < 0.4:
            quant = (x.scale, x.zero_point + (128 if dtype == "uint8" else -128))  # always in range
        elif draw < 0.7:
            quant = _covering(m, x, src, dtype)
        else:
            quant = None
        y = _qtensor(m, "y", shape, dtype, quant)
        return m.finish("QUANTIZE", [x], [y])

    return make_op


def make_quantize(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """float32 -> ``dtype``; inputs are in [-1, 1), the scale random, so some values saturate."""
    _check(dtype, QUANTIZE, "QUANTIZE from float32")
    m = Model(rng, "int8")
    shape = random_shape(rng, int(rng.integers(1, 5)))
    x = _qtensor(m, "x", shape, "float32", graph_input=True)
    return m.finish("QUANTIZE", [x], [_qtensor(m, "y", shape, dtype)])


def make_dequantize(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    _check(dtype, DEQUANTIZE, "DEQUANTIZE")
    m = Model(rng, "int8")
    shape = random_shape(rng, int(rng.integers(1, 5)))
    x = _qtensor(m, "x", shape, dtype, graph_input=True)
    return m.finish("DEQUANTIZE", [x], [_qtensor(m, "y", shape, "float32")])


GENERATORS = {
    "quantize": (make_quantize, QUANTIZE),
    **{"requantize" + ("" if src == "int8" else f"_from_{src}"): (_requantize(src), outs) for src, outs in REQUANTIZE.items()},
    "dequantize": (make_dequantize, DEQUANTIZE),
}
