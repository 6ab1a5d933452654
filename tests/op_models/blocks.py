"""Multi-op blocks of real TinyML models, built as a converter would: float32 weights drawn once,
then (for int8) post-training quantised — weights per-channel symmetric, bias int32 at
input_scale * weight_scale, every activation's scale and zero point calibrated on the float
block's own tensor ranges (the NumPy reference on a few random inputs), with the fixed output
quantisation TFLite requires (softmax, logistic, tanh). Tensor names are the same in both builds,
so the calibration maps by name.

``BLOCKS`` maps a block name to its builder ``build(q: Quantiser)``; ``make_block(name, seed,
dtype)`` returns the .tflite bytes.
"""
from __future__ import annotations

import zlib
from typing import Callable

import numpy as np

from aot.driver.reference import random_inputs, run_graph
from aot.frontends.tflite import load_tflite
from tests.tflite_builder import TFLiteBuilder

CALIBRATION_SAMPLES = 4
FIXED_QUANT = {"SOFTMAX": (1 / 256, -128), "LOGISTIC": (1 / 256, -128), "TANH": (1 / 128, 0)}


class Quantiser:
    """Builds one block in float32 (``ranges`` None) or int8 (``ranges``: tensor name -> (lo, hi))."""

    def __init__(self, rng: np.random.Generator, ranges: dict[str, tuple[float, float]] | None):
        self.rng, self.ranges, self.b = rng, ranges, TFLiteBuilder()
        self.q = ranges is not None
        self.inputs: list[int] = []
        self.quant: dict[int, tuple[float, int]] = {}  # tensor index -> (scale, zero point), int8 only
        self.names: dict[int, str] = {}

    def shared(self, *names: str) -> None:
        """The tensors ``names`` get one quantisation covering all their ranges (as a converter
        unifies a concatenation's inputs and output)."""
        if self.q:
            lo, hi = min(self.ranges[n][0] for n in names), max(self.ranges[n][1] for n in names)
            self.ranges.update({n: (lo, hi) for n in names})

    # -- tensors ------------------------------------------------------------------------------
    def act(self, name: str, shape, quant: tuple[float, int] | None = None) -> int:
        """An activation tensor: int8 with ``quant`` or the calibrated range of ``name``."""
        if not self.q:
            idx = self.b.add_tensor(name, shape, "float32")
        else:
            scale, zp = quant or _covering(*self.ranges[name])
            idx = self.b.add_tensor(name, shape, "int8", scale=scale, zero_point=zp)
            self.quant[idx] = (scale, zp)
        self.names[idx] = name
        return idx

    def input(self, name: str, shape) -> int:
        idx = self.act(name, shape, quant=(1 / 128, 0) if self.q else None)  # inputs drawn in [-1, 1)
        self.inputs.append(idx)
        return idx

    def const(self, name: str, values: np.ndarray, like: int | None = None) -> int:
        """A constant operand of an elementwise op (int8: its own per-tensor range, or ``like``'s quantisation)."""
        values = np.asarray(values, np.float32)
        if not self.q:
            return self.b.add_tensor(name, values.shape, "float32", data=values)
        scale, zp = self.quant[like] if like is not None else _covering(float(values.min()), float(values.max()))
        data = np.clip(np.round(values / scale) + zp, -128, 127).astype(np.int8)
        idx = self.b.add_tensor(name, values.shape, "int8", data=data, scale=scale, zero_point=zp)
        self.quant[idx] = (scale, zp)
        return idx

    def i32(self, name: str, values) -> int:
        values = np.asarray(values, np.int32)
        return self.b.add_tensor(name, values.shape, "int32", data=values)

    def weights(self, name: str, w: np.ndarray, axis: int | None) -> tuple[int, np.ndarray]:
        """Float weights, int8 per-channel (``axis``) or per-tensor symmetric; returns (index, scales)."""
        if not self.q:
            return self.b.add_tensor(name, w.shape, "float32", data=w.astype(np.float32)), np.ones(1)
        amax = np.abs(w).max(axis=tuple(a for a in range(w.ndim) if a != axis)) if axis is not None else np.abs(w).max()
        scales = np.atleast_1d(np.maximum(amax, 1e-6) / 127).astype(np.float32)
        shape = [1] * w.ndim
        if axis is not None:
            shape[axis] = -1
        data = np.clip(np.round(w / scales.reshape(shape)), -127, 127).astype(np.int8)
        idx = self.b.add_tensor(name, w.shape, "int8", data=data, scale=scales, zero_point=np.zeros(scales.size, np.int64),
                                quantized_dimension=axis or 0)
        return idx, scales

    def bias(self, name: str, values: np.ndarray, x: int, w_scales: np.ndarray) -> int:
        if not self.q:
            return self.b.add_tensor(name, values.shape, "float32", data=values.astype(np.float32))
        scales = (np.float32(self.quant[x][0]) * w_scales).astype(np.float32)
        data = np.round(values / np.broadcast_to(scales, values.shape)).astype(np.int32)
        return self.b.add_tensor(name, values.shape, "int32", data=data, scale=scales,
                                 zero_point=np.zeros(scales.size, np.int64))

    # -- operators -----------------------------------------------------------------------------
    def op(self, op: str, inputs: list[int | None], name: str, shape, keep_quant: int | None = None, **options) -> int:
        """``op`` writing a new activation ``name``; ``keep_quant``: the output shares that tensor's quantisation."""
        quant = FIXED_QUANT.get(op) if self.q else None
        if self.q and keep_quant is not None:
            quant = self.quant[keep_quant]
        y = self.act(name, shape, quant)
        self.b.add_op(op, inputs, [y], **options)
        return y

    def conv(self, x: int, name: str, x_shape, cout: int, kernel=(1, 1), stride=(1, 1), act="NONE",
             depthwise: bool = False, padding: str = "SAME") -> tuple[int, tuple[int, ...]]:
        n, h, w_, cin = x_shape
        fan_in = kernel[0] * kernel[1] * (1 if depthwise else cin)
        shape = (1, *kernel, cout) if depthwise else (cout, *kernel, cin)
        w = self.rng.normal(0, 1.5 / np.sqrt(fan_in), shape).astype(np.float32)
        wi, ws = self.weights(f"{name}/w", w, 3 if depthwise else 0)
        bi = self.bias(f"{name}/b", self.rng.normal(0, 0.1, cout), x, ws)
        out_hw = [-(-d // s) if padding == "SAME" else (d - k) // s + 1 for d, k, s in zip((h, w_), kernel, stride)]
        y_shape = (n, *out_hw, cout)
        opname = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
        extra = {"depth_multiplier": cout // cin} if depthwise else {}
        y = self.op(opname, [x, wi, bi], name, y_shape, padding=padding, stride=stride, dilation=(1, 1),
                    activation=act, **extra)
        return y, y_shape

    def dense(self, x: int, name: str, k: int, units: int, out_shape, act="NONE", keep_num_dims=False) -> int:
        w = self.rng.normal(0, 1.5 / np.sqrt(k), (units, k)).astype(np.float32)
        wi, ws = self.weights(f"{name}/w", w, None)
        bi = self.bias(f"{name}/b", self.rng.normal(0, 0.1, units), x, ws)
        return self.op("FULLY_CONNECTED", [x, wi, bi], name, out_shape, activation=act, keep_num_dims=keep_num_dims)

    def finish(self, outputs: list[int]) -> bytes:
        self.b.set_io(self.inputs, outputs)
        return self.b.finish()


def _covering(lo: float, hi: float) -> tuple[float, int]:
    """The asymmetric int8 quantisation of [lo, hi] (0 inside) a converter would choose."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = max(hi - lo, 1e-4) / 255
    return float(scale), int(np.clip(np.round(-128 - lo / scale), -128, 127))


# -- the blocks --------------------------------------------------------------------------------

def inverted_residual(q: Quantiser) -> bytes:
    """MobileNetV2: 1x1 expand (RELU6), 3x3 depthwise (RELU6), 1x1 project, ADD of the input."""
    shape = (1, 6, 6, 8)
    x = q.input("x", shape)
    e, es = q.conv(x, "expand", shape, 24, act="RELU6")
    d, ds = q.conv(e, "depthwise", es, 24, (3, 3), act="RELU6", depthwise=True)
    p, _ = q.conv(d, "project", ds, 8)
    return q.finish([q.op("ADD", [x, p], "y", shape)])


def squeeze_excite(q: Quantiser) -> bytes:
    """MEAN over H, W, FC (RELU), FC, LOGISTIC, MUL scaling the input's channels."""
    shape = (1, 5, 5, 16)
    x = q.input("x", shape)
    m = q.op("MEAN", [x, q.i32("axes", [1, 2])], "squeeze", (1, 1, 1, 16), keep_dims=True)
    r = q.dense(m, "reduce", 16, 4, (1, 4), act="RELU")
    s = q.dense(r, "expand", 4, 16, (1, 16))
    g = q.op("LOGISTIC", [s], "gate", (1, 16))
    return q.finish([q.op("MUL", [x, g], "y", shape, activation="NONE")])


def detector_head(q: Quantiser) -> bytes:
    """YOLO-style: 3x3 conv, LEAKY_RELU, RESIZE_NEAREST_NEIGHBOR x2, CONCATENATION with a skip branch, 1x1 conv."""
    q.shared("leaky", "up", "skip", "cat")  # a converter gives a concatenation's inputs its quantisation
    x = q.input("x", (1, 4, 4, 8))
    s = q.input("s", (1, 8, 8, 4))
    c, cs = q.conv(x, "conv", (1, 4, 4, 8), 8, (3, 3))
    lr = q.op("LEAKY_RELU", [c], "leaky", cs, alpha=0.1)
    up = q.op("RESIZE_NEAREST_NEIGHBOR", [lr, q.i32("size", [8, 8])], "up", (1, 8, 8, 8))
    skip, _ = q.conv(s, "skip", (1, 8, 8, 4), 8)
    cat = q.op("CONCATENATION", [up, skip], "cat", (1, 8, 8, 16), axis=3)
    y, _ = q.conv(cat, "head", (1, 8, 8, 16), 6)
    return q.finish([y])


def attention(q: Quantiser) -> bytes:
    """Single-head self-attention: Q, K, V projections, TRANSPOSE of K, BATCH_MATMUL, SOFTMAX, BATCH_MATMUL."""
    t, d = 6, 8
    x = q.input("x", (1, t, d))
    qs, ks, vs = (q.dense(x, n, d, d, (1, t, d), keep_num_dims=True) for n in ("q", "k", "v"))
    kt = q.op("TRANSPOSE", [ks, q.i32("perm", [0, 2, 1])], "k_t", (1, d, t), keep_quant=ks)
    scores = q.op("BATCH_MATMUL", [qs, kt], "scores", (1, t, t), table="BatchMatMulOptions")
    p = q.op("SOFTMAX", [scores], "probs", (1, t, t), beta=1.0)
    return q.finish([q.op("BATCH_MATMUL", [p, vs], "y", (1, t, d), table="BatchMatMulOptions")])


def audio_front(q: Quantiser) -> bytes:
    """Feature normalisation: MUL by a gain, SUB a mean, MAXIMUM with a floor, MEAN over time."""
    frames, bins = 12, 10
    x = q.input("x", (1, frames, bins))
    g = q.op("MUL", [x, q.const("gain", q.rng.uniform(0.5, 2.0, (bins,)))], "gained", (1, frames, bins), activation="NONE")
    c = q.op("SUB", [g, q.const("mean", q.rng.uniform(-0.3, 0.3, (bins,)))], "centred", (1, frames, bins), activation="NONE")
    f = q.op("MAXIMUM", [c, q.const("floor", np.full((1,), -0.5), like=c)], "floored", (1, frames, bins), keep_quant=c)
    return q.finish([q.op("MEAN", [f, q.i32("axis", [1])], "y", (1, bins), keep_dims=False)])


def resnet(q: Quantiser) -> bytes:
    """Two ResNet basic blocks, wider than ic_resnet8's: 3x3 conv (RELU), 3x3 conv, ADD of the
    shortcut (RELU); the first keeps 48 channels at 8x8, the second goes to 64 channels at 4x4
    (first 3x3 conv stride 2, shortcut a 1x1 stride-2 conv). Every 3x3 conv has 48 or 64 input
    channels: window rows of 144-192 bytes, 3 of them."""
    shape = (1, 8, 8, 48)
    x = q.input("x", shape)
    a, a_shape = q.conv(x, "b1/conv1", shape, 48, (3, 3), act="RELU")
    b, _ = q.conv(a, "b1/conv2", a_shape, 48, (3, 3))
    y1 = q.op("ADD", [x, b], "b1/add", shape, activation="RELU")
    c, c_shape = q.conv(y1, "b2/conv1", shape, 64, (3, 3), stride=(2, 2), act="RELU")
    d, d_shape = q.conv(c, "b2/conv2", c_shape, 64, (3, 3))
    s, _ = q.conv(y1, "b2/shortcut", shape, 64, (1, 1), stride=(2, 2))
    return q.finish([q.op("ADD", [s, d], "y", d_shape, activation="RELU")])


BLOCKS: dict[str, Callable[[Quantiser], bytes]] = {
    "inverted_residual": inverted_residual,
    "squeeze_excite": squeeze_excite,
    "detector_head": detector_head,
    "attention": attention,
    "audio_front": audio_front,
    "resnet": resnet,
}


def calibrate(model: bytes, seed: int) -> dict[str, tuple[float, float]]:
    """Each tensor's (min, max) over CALIBRATION_SAMPLES random inputs in [-1, 1) (NumPy reference)."""
    g = load_tflite(model)
    ranges: dict[str, tuple[float, float]] = {}
    for k in range(CALIBRATION_SAMPLES):
        for name, v in run_graph(g, random_inputs(g, seed * 100 + k), keep_all=True).items():
            lo, hi = ranges.get(name, (np.inf, -np.inf))
            ranges[name] = (min(lo, float(v.min())), max(hi, float(v.max())))
    return ranges


def make_block(name: str, seed: int, dtype: str) -> bytes:
    """Block ``name`` with seed ``seed``: float32, or int8 post-training quantised from the same float weights."""
    return build(BLOCKS[name], seed, dtype)


def build(block: Callable[[Quantiser], bytes], seed: int, dtype: str) -> bytes:
    """Any ``block(q)`` builder, as ``make_block`` builds the named ones."""
    def rng():
        return np.random.default_rng([seed, zlib.crc32(block.__name__.encode())])

    model = block(Quantiser(rng(), None))
    if dtype == "float32":
        return model
    if dtype != "int8":
        raise ValueError(f"dtype must be int8 or float32, not {dtype!r}")
    return block(Quantiser(rng(), calibrate(model, seed)))
