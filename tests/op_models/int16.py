"""int16x8 single-op models (TFLite's 16x8 quantisation): int16 activations with zero point 0 and a
log-uniform scale, int8 symmetric weights (from ``Model``), an int64 or int32 bias with scale
input_scale * weight_scale, the output scale covering the estimated output range.

``model(rng, dtype, int16_biases)`` is what the weighted-op generators of ``nn`` call: a ``Model``
for int8/float32, a ``Model16`` for int16 whose bias dtype is drawn from ``int16_biases`` (the ones
TFLM's kernel reads).
"""
from __future__ import annotations

import numpy as np

from tests.op_models.base import Model, T, _loguniform, clamp_range

INT16_MAX = 32767


class Model16(Model):
    """A single-op model with int16 activations (zero point 0) and int8 weights."""

    def __init__(self, rng: np.random.Generator, biases: tuple[str, ...]):
        super().__init__(rng, "int8")  # the int8 weights and draws; activations below are int16
        self.dtype, self.biases = "int16", biases

    @property
    def q(self) -> bool:
        return True

    def tensor(self, name: str, shape, quant: tuple[float, int] | None = None, dtype: str | None = None,
               graph_input: bool = False) -> T:
        if dtype not in (None, "int16"):
            return super().tensor(name, shape, quant, dtype, graph_input)
        scale, zp = quant or (float(_loguniform(self.rng, 2e-5, 2e-3)), 0)
        t = T(self.b.add_tensor(name, shape, "int16", scale=scale, zero_point=zp), tuple(shape), scale, zp)
        if graph_input:
            self.inputs.append(t.index)
        return t

    def output(self, shape, lo: float = -1.0, hi: float = 1.0, quant=None, dtype=None) -> T:
        """int16 with zero point 0, the scale covering [lo, hi] (jittered like a calibration)."""
        if quant is None:
            quant = (max(abs(lo), abs(hi), 1e-3) / INT16_MAX * float(_loguniform(self.rng, 0.8, 1.25)), 0)
        return self.tensor("y", shape, quant, dtype)

    def bias(self, name: str, n: int, in_scale: float, w_scales: np.ndarray, real_std: float) -> int | None:
        """Absent one time in four, else int64 or int32 (drawn from ``biases``)."""
        if self.rng.random() < 0.25:
            return None
        dtype = str(self.rng.choice(self.biases))
        scales = (np.float32(in_scale) * w_scales).astype(np.float32)
        real = self.rng.normal(0, real_std, n)
        data = np.clip(np.round(real / np.broadcast_to(scales, (n,))), -(2 ** 31), 2 ** 31 - 1).astype(dtype)
        return self.b.add_tensor(name, (n,), dtype, data=data, scale=scales, zero_point=np.zeros(scales.size, np.int64))

    def mac_output_range(self, x: T, w_scales: np.ndarray, fan_in: int, activation: str) -> tuple[float, float]:
        """Estimated real range of sum_k x*w, x uniform over int16, the int8 weights uniform."""
        ex2 = (x.scale * INT16_MAX) ** 2 / 3
        ew2 = float(np.mean(np.square(w_scales.astype(np.float64)))) * 127 ** 2 / 3
        sigma = float(np.sqrt(fan_in * ex2 * ew2))
        return clamp_range(-3 * sigma, 3 * sigma, activation)


def model(rng: np.random.Generator, dtype: str, int16_biases: tuple[str, ...] = ("int64", "int32")) -> Model:
    """The model under construction for ``dtype``: int16 activations with ``int16_biases``, else ``Model``."""
    return Model16(rng, int16_biases) if dtype == "int16" else Model(rng, dtype)
