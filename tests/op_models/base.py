"""Shared parts of the random single-operator .tflite models (int8 or float32) for oracle tests.

Quantisation is what a converter would produce: int8 activations per-tensor
(scale log-uniform in [0.005, 0.2], any zero point), output scales chosen to
cover the estimated output range, conv/depthwise weights per-channel
symmetric, fully-connected weights per-tensor symmetric, int32 bias with
scale = input_scale * weight_scale, softmax output 1/256 with zero point -128.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tests.tflite_builder import TFLiteBuilder, read_io

ACTIVATIONS = ("NONE", "RELU", "RELU6")
BOTH = ("int8", "float32")  # the dtypes of a generator that makes both
MAX_HW, MAX_C = 12, 16



@dataclass
class T:
    """A tensor of the model under construction, with its (per-tensor) quantisation."""

    index: int
    shape: tuple[int, ...]
    scale: float = 1.0
    zero_point: int = 0
    dtype: str = "int8"

    def real_range(self) -> tuple[float, float]:
        info = np.iinfo(np.dtype(self.dtype if self.dtype == "int16" else "int8"))
        return self.scale * (info.min - self.zero_point), self.scale * (info.max - self.zero_point)


def _loguniform(rng: np.random.Generator, lo: float, hi: float, size=None):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def random_quant(rng: np.random.Generator) -> tuple[float, int]:
    return float(_loguniform(rng, 0.005, 0.2)), int(rng.integers(-128, 128))


def random_quant16(rng: np.random.Generator) -> tuple[float, int]:
    """int16 (16x8 mode): symmetric, the real range of an int8 random_quant."""
    return float(_loguniform(rng, 0.005, 0.2)) / 256, 0


def quant_for_range(rng: np.random.Generator, lo: float, hi: float, dtype: str = "int8") -> tuple[float, int]:
    """Scale/zero point covering [lo, hi] (0 inside), jittered like a calibration would be; int16 symmetric."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if dtype == "int16":
        return max(-lo, hi, 1e-3) / 32767 * float(_loguniform(rng, 0.8, 1.25)), 0
    scale = max(hi - lo, 1e-3) / 255 * float(_loguniform(rng, 0.8, 1.25))
    return scale, int(np.clip(np.round(-128 - lo / scale), -128, 127))


def clamp_range(lo: float, hi: float, activation: str) -> tuple[float, float]:
    if activation in ("RELU", "RELU6"):
        lo, hi = max(lo, 0.0), max(hi, 1e-3)
    if activation == "RELU6":
        hi = min(hi, 6.0)
    return lo, hi


class Model:
    """One single-op model under construction: a TFLiteBuilder plus rng and dtype."""

    def __init__(self, rng: np.random.Generator, dtype: str):
        if dtype not in ("int8", "int16", "float32", "int32", "bool"):
            raise ValueError(f"dtype must be int8, int16, float32, int32 or bool, not {dtype!r}")
        self.rng, self.dtype, self.b = rng, dtype, TFLiteBuilder()
        self.inputs: list[int] = []

    @property
    def q(self) -> bool:
        return self.dtype in ("int8", "int16")

    def tensor(self, name: str, shape, quant: tuple[float, int] | None = None, dtype: str | None = None,
               graph_input: bool = False) -> T:
        """An activation; int8 and int16 ones get ``quant`` (random if None)."""
        dtype = dtype or self.dtype
        if dtype in ("int8", "int16"):
            scale, zp = quant or (random_quant16 if dtype == "int16" else random_quant)(self.rng)
            t = T(self.b.add_tensor(name, shape, dtype, scale=scale, zero_point=zp), tuple(shape), scale, zp, dtype)
        else:
            t = T(self.b.add_tensor(name, shape, dtype), tuple(shape))
        if graph_input:
            self.inputs.append(t.index)
        return t

    def input(self, name: str, shape, quant=None, dtype=None) -> T:
        return self.tensor(name, shape, quant, dtype, graph_input=True)

    def const_like(self, name: str, shape, quant=None) -> T:
        """A constant holding data like a random input (an operand folded into the model)."""
        data = _random_array(self.rng, shape, self.dtype)
        if not self.q:
            return T(self.b.add_tensor(name, shape, self.dtype, data=data), tuple(shape))
        scale, zp = quant or (random_quant16 if self.dtype == "int16" else random_quant)(self.rng)
        return T(self.b.add_tensor(name, shape, self.dtype, data=data, scale=scale, zero_point=zp), tuple(shape), scale, zp,
                 self.dtype)

    def weights(self, name: str, shape, axis: int | None, fan_in: int) -> tuple[int, np.ndarray]:
        """Weights (per-channel along ``axis``, or per-tensor if None); returns (index, scales)."""
        if not self.q:
            data = self.rng.normal(0, 1 / np.sqrt(fan_in), shape).astype(np.float32)
            return self.b.add_tensor(name, shape, "float32", data=data), np.ones(1, np.float32)
        n = 1 if axis is None else shape[axis]
        scales = _loguniform(self.rng, 0.002, 0.05, n).astype(np.float32)
        data = self.rng.integers(-127, 128, shape, dtype=np.int8)
        idx = self.b.add_tensor(name, shape, "int8", data=data, scale=scales, zero_point=np.zeros(n, np.int64),
                                quantized_dimension=axis or 0)
        return idx, scales

    def bias(self, name: str, n: int, in_scale: float, w_scales: np.ndarray, real_std: float) -> int | None:
        """Optional bias (absent one time in four) with the scale TFLite requires."""
        if self.rng.random() < 0.25:
            return None
        real = self.rng.normal(0, real_std, n)
        if not self.q:
            return self.b.add_tensor(name, (n,), "float32", data=real.astype(np.float32))
        scales = (np.float32(in_scale) * w_scales).astype(np.float32)
        data = np.clip(np.round(real / np.broadcast_to(scales, (n,))), -(2 ** 31), 2 ** 31 - 1).astype(np.int32)
        return self.b.add_tensor(name, (n,), "int32", data=data, scale=scales,
                                 zero_point=np.zeros(scales.size, np.int64))

    def output(self, shape, lo: float = -1.0, hi: float = 1.0, quant=None, dtype=None) -> T:
        """The op's output; int8/int16 gets ``quant``, else one covering the real range [lo, hi]."""
        dtype = dtype or self.dtype
        if dtype in ("int8", "int16") and quant is None:
            quant = quant_for_range(self.rng, lo, hi, dtype)
        return self.tensor("y", shape, quant, dtype)

    def finish(self, op: str, inputs: list, outputs: list[T], **options) -> bytes:
        ins = [None if t is None else (t if isinstance(t, int) else t.index) for t in inputs]
        self.b.add_op(op, ins, [t.index for t in outputs], **options)
        self.b.set_io(self.inputs, [t.index for t in outputs])
        return self.b.finish()

    # -- common draws --------------------------------------------------------

    def activation(self) -> str:
        return str(self.rng.choice(ACTIVATIONS))

    def batch(self) -> int:
        return 1 if self.rng.random() < 0.75 else 2

    def channels(self) -> int:
        return int(self.rng.integers(1, MAX_C + 1))

    def window(self, dilated: bool) -> dict:
        """Random kernel/stride/dilation/padding and an input H, W that fits them."""
        r = self.rng
        kernel = tuple(int(k) for k in r.integers(1, 6, 2))
        dilation = tuple(int(d) for d in r.integers(1, 3, 2)) if dilated else (1, 1)
        stride = tuple(int(s) for s in r.integers(1, 3, 2))
        padding = str(r.choice(["SAME", "VALID"]))
        eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
        hw = tuple(int(r.integers(e if padding == "VALID" else 1, MAX_HW + 1)) for e in eff)
        out = tuple(-(-n // s) if padding == "SAME" else (n - e) // s + 1 for n, e, s in zip(hw, eff, stride))
        return {"kernel": kernel, "dilation": dilation, "stride": stride, "padding": padding, "hw": hw, "out_hw": out}

    def mac_output_range(self, x: T, w_scales: np.ndarray, fan_in: int, activation: str) -> tuple[float, float]:
        """Estimated real range of sum_k x*w for x uniform over its int8 range, int8 weights uniform."""
        lo, hi = x.real_range()
        ex2 = (hi - lo) ** 2 / 12 + ((hi + lo) / 2) ** 2
        ew2 = float(np.mean(np.square(w_scales.astype(np.float64)))) * 127 ** 2 / 3
        sigma = float(np.sqrt(fan_in * ex2 * ew2))
        return clamp_range(-3 * sigma, 3 * sigma, activation)


def _random_array(rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
    if dtype == "float32":
        return rng.uniform(-1, 1, shape).astype(np.float32)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    info = np.iinfo(np.dtype(dtype))
    return rng.integers(info.min, info.max, shape, endpoint=True, dtype=np.dtype(dtype))


def random_inputs(model: bytes, rng: np.random.Generator) -> list[np.ndarray]:
    """One array per model input: integers uniform over their range, floats uniform in [-1, 1)."""
    return [_random_array(rng, spec.shape, spec.dtype) for spec in read_io(model)[0]]


def random_shape(rng: np.random.Generator, rank: int, max_dim: int = 6) -> tuple[int, ...]:
    return tuple(int(d) for d in rng.integers(1, max_dim + 1, rank))


def factor_shape(rng: np.random.Generator, size: int, rank: int) -> tuple[int, ...]:
    """A random shape of ``rank`` dims whose product is ``size``."""
    dims = [1] * rank
    n, p = size, 2
    while n > 1:
        while n % p:
            p += 1
        dims[int(rng.integers(rank))] *= p
        n //= p
    return tuple(dims)


def i32(m: Model, name: str, values) -> int:
    """A constant int32 operand (axes, shapes, paddings, ...)."""
    values = np.asarray(values, np.int32)
    return m.b.add_tensor(name, values.shape, "int32", data=values)
