"""Random single-operator .tflite models (int8 or float32) for oracle tests.

``make_<op>(rng, dtype) -> bytes`` for the 10 supported operators; ``GENERATORS``
maps each op to its maker and the dtypes it accepts, ``CASES`` lists every
(op, dtype) pair, and ``random_inputs`` draws inputs for any model.

Quantisation is what a converter would produce: int8 activations per-tensor
(scale log-uniform in [0.005, 0.2], any zero point), output scales chosen to
cover the estimated output range, conv/depthwise weights per-channel
symmetric, fully-connected weights per-tensor symmetric, int32 bias with
scale = input_scale * weight_scale, softmax output 1/256 with zero point -128.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from tests.tflite_builder import TFLiteBuilder, read_io

ACTIVATIONS = ("NONE", "RELU", "RELU6")
MAX_HW, MAX_C = 12, 16


# --------------------------------------------------------------------------
# Shared parts
# --------------------------------------------------------------------------

@dataclass
class T:
    """A tensor of the model under construction, with its (per-tensor) quantisation."""

    index: int
    shape: tuple[int, ...]
    scale: float = 1.0
    zero_point: int = 0

    def real_range(self) -> tuple[float, float]:
        return self.scale * (-128 - self.zero_point), self.scale * (127 - self.zero_point)


def _loguniform(rng: np.random.Generator, lo: float, hi: float, size=None):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def random_quant(rng: np.random.Generator) -> tuple[float, int]:
    return float(_loguniform(rng, 0.005, 0.2)), int(rng.integers(-128, 128))


def quant_for_range(rng: np.random.Generator, lo: float, hi: float) -> tuple[float, int]:
    """Scale/zero point covering [lo, hi] (0 inside), jittered like a calibration would be."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
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
        if dtype not in ("int8", "float32"):
            raise ValueError(f"dtype must be int8 or float32, not {dtype!r}")
        self.rng, self.dtype, self.b = rng, dtype, TFLiteBuilder()
        self.inputs: list[int] = []

    @property
    def q(self) -> bool:
        return self.dtype == "int8"

    def tensor(self, name: str, shape, quant: tuple[float, int] | None = None, dtype: str | None = None,
               graph_input: bool = False) -> T:
        """An activation; int8 ones get ``quant`` (random if None)."""
        dtype = dtype or self.dtype
        if dtype == "int8":
            scale, zp = quant or random_quant(self.rng)
            t = T(self.b.add_tensor(name, shape, "int8", scale=scale, zero_point=zp), tuple(shape), scale, zp)
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
            return T(self.b.add_tensor(name, shape, "float32", data=data), tuple(shape))
        scale, zp = quant or random_quant(self.rng)
        return T(self.b.add_tensor(name, shape, "int8", data=data, scale=scale, zero_point=zp), tuple(shape), scale, zp)

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
        """The op's output; int8 gets ``quant``, else one covering the real range [lo, hi]."""
        dtype = dtype or self.dtype
        if dtype == "int8" and quant is None:
            quant = quant_for_range(self.rng, lo, hi)
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


# --------------------------------------------------------------------------
# The generators
# --------------------------------------------------------------------------

def _conv_like(rng, dtype, depthwise: bool) -> bytes:
    m = Model(rng, dtype)
    win = m.window(dilated=True)
    n, cin = m.batch(), m.channels()
    if depthwise:
        mult = int(rng.choice([1, 1, 2, 3]))
        cout, fan_in = cin * mult, win["kernel"][0] * win["kernel"][1]
        w_shape, axis = (1, *win["kernel"], cout), 3
    else:
        cout, fan_in = m.channels(), win["kernel"][0] * win["kernel"][1] * cin
        w_shape, axis = (cout, *win["kernel"], cin), 0
    act = m.activation()
    x = m.input("x", (n, *win["hw"], cin))
    w, w_scales = m.weights("w", w_shape, axis, fan_in)
    lo, hi = m.mac_output_range(x, w_scales, fan_in, act)
    bias = m.bias("bias", cout, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8 if m.q else 0.1)
    y = m.output((n, *win["out_hw"], cout), lo, hi)
    opts = {"padding": win["padding"], "stride": win["stride"], "dilation": win["dilation"], "activation": act}
    if depthwise:
        # TFLM segfaults on a depthwise conv whose bias slot is -1; leave the slot out instead.
        ins = [x, w] if bias is None else [x, w, bias]
        return m.finish("DEPTHWISE_CONV_2D", ins, [y], depth_multiplier=mult, **opts)
    return m.finish("CONV_2D", [x, w, bias], [y], **opts)


def make_conv_2d(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _conv_like(rng, dtype, depthwise=False)


def make_depthwise_conv_2d(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _conv_like(rng, dtype, depthwise=True)


def make_fully_connected(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x_shape = random_shape(rng, int(rng.integers(2, 5)))
    keep_num_dims = bool(rng.random() < 0.5)
    # Without keep_num_dims the input may be flattened whole (a "flatten + dense" head).
    k = x_shape[-1] if keep_num_dims or rng.random() < 0.5 else int(np.prod(x_shape[1:]))
    units, act = int(rng.integers(1, MAX_C + 1)), m.activation()
    y_shape = (*x_shape[:-1], units) if keep_num_dims else (int(np.prod(x_shape)) // k, units)
    x = m.input("x", x_shape)
    w, w_scales = m.weights("w", (units, k), None, k)
    lo, hi = m.mac_output_range(x, w_scales, k, act)
    bias = m.bias("bias", units, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8 if m.q else 0.1)
    y = m.output(y_shape, lo, hi)
    return m.finish("FULLY_CONNECTED", [x, w, bias], [y], activation=act, keep_num_dims=keep_num_dims)


def _pool(rng, dtype, op: str) -> bytes:
    m = Model(rng, dtype)
    win = m.window(dilated=False)
    n, c = m.batch(), m.channels()
    x = m.input("x", (n, *win["hw"], c))
    y = m.output((n, *win["out_hw"], c), quant=(x.scale, x.zero_point))  # pools keep the input's quantisation
    return m.finish(op, [x], [y], filter=win["kernel"], stride=win["stride"], padding=win["padding"],
                    activation=m.activation())


def make_average_pool_2d(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _pool(rng, dtype, "AVERAGE_POOL_2D")


def make_max_pool_2d(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _pool(rng, dtype, "MAX_POOL_2D")


def _broadcast_operand(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with some dims set to 1 and, sometimes, leading dims dropped."""
    dims = tuple(1 if rng.random() < 0.3 else d for d in shape)
    return dims[int(rng.integers(0, len(dims) + 1)):] if rng.random() < 0.3 else dims


def _binary_operands(m: Model) -> tuple[T, T]:
    """Two operands of a random shape, often broadcast against each other, b sometimes constant."""
    rng = m.rng
    full = random_shape(rng, int(rng.integers(1, 5)))
    shapes = [full, full] if rng.random() < 0.4 else [_broadcast_operand(rng, full) for _ in range(2)]
    rng.shuffle(shapes)
    a = m.input("a", shapes[0])
    return a, m.const_like("b", shapes[1]) if rng.random() < 0.3 else m.input("b", shapes[1])


def make_add(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    a, b = _binary_operands(m)
    shapes = [a.shape, b.shape]
    act = m.activation()
    (lo1, hi1), (lo2, hi2) = a.real_range(), b.real_range()
    y = m.output(np.broadcast_shapes(shapes[0], shapes[1]), *clamp_range(lo1 + lo2, hi1 + hi2, act))
    return m.finish("ADD", [a, b], [y], activation=act)


def make_reshape(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    y_shape = factor_shape(rng, int(np.prod(x.shape)), int(rng.integers(1, 5)))
    y = m.output(y_shape, quant=(x.scale, x.zero_point))
    new_shape = list(y_shape)
    if rng.random() < 0.3:
        new_shape[int(rng.integers(len(new_shape)))] = -1
    how = rng.choice(["option", "tensor", "both"])
    shape_t = None
    if how != "option":
        shape_t = m.b.add_tensor("shape", (len(new_shape),), "int32", data=np.asarray(new_shape, np.int32))
    opts = {"new_shape": new_shape} if how != "tensor" else {}
    return m.finish("RESHAPE", [x] if shape_t is None else [x, shape_t], [y], **opts)


def make_softmax(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    shape = random_shape(rng, int(rng.integers(1, 5)), max_dim=4)[:-1] + (int(rng.integers(1, 33)),)
    x = m.input("x", shape)
    y = m.output(shape, quant=(1 / 256, -128))
    beta = 1.0 if rng.random() < 0.5 else float(rng.uniform(0.25, 2.0))
    return m.finish("SOFTMAX", [x], [y], beta=beta)


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


def _i32(m: Model, name: str, values) -> int:
    values = np.asarray(values, np.int32)
    return m.b.add_tensor(name, values.shape, "int32", data=values)


def make_concatenation(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    rank = int(rng.integers(1, 5))
    base = random_shape(rng, rank)
    axis = int(rng.integers(-rank, rank))
    quant = random_quant(rng)
    xs = []
    for k in range(int(rng.integers(1, 4))):
        shape = list(base)
        shape[axis] = int(rng.integers(1, 5))
        xs.append(m.const_like(f"c{k}", shape, quant) if k and rng.random() < 0.25 else m.input(f"x{k}", shape, quant))
    y_shape = list(base)
    y_shape[axis] = sum(x.shape[axis] for x in xs)
    y = m.output(y_shape, quant=quant)
    return m.finish("CONCATENATION", xs, [y], axis=axis)


def _pad_like(rng, dtype, v2: bool) -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    pads = rng.integers(0, 3, (len(x.shape), 2))
    y = m.output(tuple(int(n + a + b) for n, (a, b) in zip(x.shape, pads)), quant=(x.scale, x.zero_point))
    ins = [x, m.b.add_tensor("paddings", pads.shape, "int32", data=pads.astype(np.int32))]
    if v2:
        value = rng.integers(-128, 128, (1,)) if m.q else rng.normal(0, 1, (1,))
        ins.append(m.b.add_tensor("value", (1,), dtype, data=value.astype(np.int8 if m.q else np.float32),
                                  **({"scale": x.scale, "zero_point": x.zero_point} if m.q else {})))
    return m.finish("PADV2" if v2 else "PAD", ins, [y])


def make_pad(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _pad_like(rng, dtype, False)


def make_padv2(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _pad_like(rng, dtype, True)


def make_transpose(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    perm = rng.permutation(len(x.shape))
    y = m.output(tuple(x.shape[p] for p in perm), quant=(x.scale, x.zero_point))
    return m.finish("TRANSPOSE", [x, _i32(m, "perm", perm)], [y])


def make_expand_dims(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 4))))
    axis = int(rng.integers(-len(x.shape) - 1, len(x.shape) + 1))
    y_shape = list(x.shape)
    y_shape.insert(axis % (len(x.shape) + 1), 1)
    y = m.output(y_shape, quant=(x.scale, x.zero_point))
    return m.finish("EXPAND_DIMS", [x, _i32(m, "axis", [axis])], [y])


def make_slice(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    begin = [int(rng.integers(0, n)) for n in x.shape]
    size = [-1 if rng.random() < 0.25 else int(rng.integers(1, n - b + 1)) for n, b in zip(x.shape, begin)]
    y = m.output([n - b if s == -1 else s for n, b, s in zip(x.shape, begin, size)], quant=(x.scale, x.zero_point))
    return m.finish("SLICE", [x, _i32(m, "begin", begin), _i32(m, "size", size)], [y])


def make_strided_slice(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    rank = len(x.shape)
    begin_mask, end_mask = int(rng.integers(0, 1 << rank)), int(rng.integers(0, 1 << rank))
    begin, end, strides, counts = [], [], [], []
    for a, n in enumerate(x.shape):
        b = int(rng.integers(0, n))
        e = int(rng.integers(b + 1, n + 1))
        s = int(rng.integers(1, 4))
        bb = 0 if begin_mask >> a & 1 else b
        ee = n if end_mask >> a & 1 else e
        counts.append(-(-(ee - bb) // s))
        begin.append(b - n if rng.random() < 0.3 else b)  # sometimes negative (from the end)
        end.append(e - n if rng.random() < 0.3 and e < n else e)
        strides.append(s)
    y = m.output(counts, quant=(x.scale, x.zero_point))
    return m.finish("STRIDED_SLICE", [x, _i32(m, "begin", begin), _i32(m, "end", end), _i32(m, "strides", strides)],
                    [y], begin_mask=begin_mask, end_mask=end_mask)


def _float_binary(op: str):
    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        a, b = _binary_operands(m)
        y = m.output(np.broadcast_shapes(a.shape, b.shape))
        return m.finish(op, [a, b], [y], **({"activation": "NONE"} if op in ("SUB", "MUL", "DIV") else {}))

    return make_op


def _float_unary(op: str):
    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
        y = m.output(x.shape)
        return m.finish(op, [x], [y], **({"alpha": float(rng.uniform(0.01, 0.5))} if op == "LEAKY_RELU" else {}))

    return make_op


def _float_reduce(op: str):
    def make_op(rng: np.random.Generator, dtype: str = "float32") -> bytes:
        m = Model(rng, dtype)
        x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
        rank = len(x.shape)
        axes = sorted(int(a) for a in rng.choice(rank, int(rng.integers(1, rank + 1)), replace=False))
        keep = bool(rng.random() < 0.5)
        y_shape = [1 if a in axes else n for a, n in enumerate(x.shape) if keep or a not in axes]
        written = [a - rank if rng.random() < 0.3 else a for a in axes]  # sometimes negative
        y = m.output(y_shape)
        return m.finish(op, [x, _i32(m, "axis", written)], [y], keep_dims=keep)

    return make_op


# float32-only elementwise and reduction builtins (onto the binary / unary / reduce kinds)
FLOAT_BINARY = ["SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM"]
FLOAT_UNARY = ["ABS", "NEG", "SQRT", "EXP", "FLOOR", "CEIL", "TANH", "LOGISTIC", "RELU", "RELU6",
               "LEAKY_RELU", "HARD_SWISH", "ELU"]
FLOAT_REDUCE = ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN"]

BOTH = ("int8", "float32")
GENERATORS: dict[str, tuple[Callable[..., bytes], tuple[str, ...]]] = {
    "conv_2d": (make_conv_2d, BOTH),
    "depthwise_conv_2d": (make_depthwise_conv_2d, BOTH),
    "fully_connected": (make_fully_connected, BOTH),
    "average_pool_2d": (make_average_pool_2d, BOTH),
    "max_pool_2d": (make_max_pool_2d, BOTH),
    "add": (make_add, BOTH),
    "reshape": (make_reshape, BOTH),
    "softmax": (make_softmax, BOTH),
    "concatenation": (make_concatenation, BOTH),
    "pad": (make_pad, BOTH),
    "padv2": (make_padv2, BOTH),
    "transpose": (make_transpose, BOTH),
    "expand_dims": (make_expand_dims, BOTH),
    "slice": (make_slice, BOTH),
    "strided_slice": (make_strided_slice, BOTH),
    "quantize": (make_quantize, ("int8",)),
    "requantize": (make_requantize, ("int8",)),
    "dequantize": (make_dequantize, ("int8",)),
    **{op.lower(): (make_op(op), ("float32",)) for ops, make_op in
       ((FLOAT_BINARY, _float_binary), (FLOAT_UNARY, _float_unary), (FLOAT_REDUCE, _float_reduce)) for op in ops},
}
CASES = [(op, dtype) for op, (_, dtypes) in GENERATORS.items() for dtype in dtypes]


def make(op: str, seed: int, dtype: str = "int8") -> bytes:
    """The model for (op, seed, dtype): deterministic, independent of other draws."""
    return GENERATORS[op][0](np.random.default_rng([seed, zlib.crc32(f"{op}/{dtype}".encode())]), dtype)
