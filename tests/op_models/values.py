"""Single-op models: SHAPE, BROADCAST_ARGS, ZEROS_LIKE, FILL (folded at compile time or, FILL of a
model input, a broadcast) and CAST."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import BOTH, Model, i32, random_shape

INT32 = 2  # tflite.TensorType.INT32


def make_shape(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    y = m.output((len(x.shape),), dtype="int32")
    return m.finish("SHAPE", [x], [y], out_type=INT32)


def make_broadcast_args(rng: np.random.Generator, dtype: str = "int32") -> bytes:
    """SHAPE of an input broadcast with a constant shape (so the model has an input)."""
    m = Model(rng, "float32")
    out = random_shape(rng, int(rng.integers(1, 5)), 4)
    a = [1 if rng.random() < 0.4 else n for n in out[int(rng.integers(len(out))):]]
    b = [1 if rng.random() < 0.4 or a_n != 1 and rng.random() < 0.5 else n for n, a_n in zip(out, (1,) * (len(out) - len(a)) + tuple(a))]
    b = [n if a_n == 1 else bn for n, bn, a_n in zip(out, b, (1,) * (len(out) - len(a)) + tuple(a))]
    if rng.random() < 0.5:
        a, b = b, a
    x = m.input("x", a)
    s = m.tensor("s", (len(a),), dtype="int32")
    m.b.add_op("SHAPE", [x.index], [s.index], out_type=INT32)
    y = m.output((len(np.broadcast_shapes(tuple(a), tuple(b))),), dtype="int32")
    return m.finish("BROADCAST_ARGS", [s, i32(m, "other", b)], [y], table=None)


def make_zeros_like(rng: np.random.Generator, dtype: str = "float32") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    return m.finish("ZEROS_LIKE", [x], [m.output(x.shape)])


def make_fill(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """A value given as a model input or as a constant."""
    m = Model(rng, dtype)
    dims = random_shape(rng, int(rng.integers(1, 5)))
    shape = ()  # tflite-micro takes a scalar only
    value = m.const_like("value", shape) if rng.random() < 0.3 else m.input("value", shape)
    y = m.output(dims, quant=(value.scale, value.zero_point))
    return m.finish("FILL", [i32(m, "dims", dims), value], [y], table=None)


def make_cast(rng: np.random.Generator, dtype: str = "int8", others=("float32", "int8", "int16", "int32")) -> bytes:
    """``dtype`` on one side, another of ``others`` on the other (tflite-micro casts no uint8); a
    float input is scaled by 100 first (a MUL), so that its conversion to integers is not all
    zeros and stays in range (out of range, C and so tflite-micro leave it undefined)."""
    m = Model(rng, dtype)
    other = str(rng.choice([d for d in others if d != dtype]))
    src, dst = (dtype, other) if rng.random() < 0.5 else (other, dtype)
    shape = random_shape(rng, int(rng.integers(1, 4)))
    x = m.input("x", shape, dtype=src)
    if src == "float32" and dst != "float32":
        scaled = m.tensor("scaled", shape, dtype="float32")
        k = m.b.add_tensor("k", (), "float32", data=np.asarray(100, np.float32))
        m.b.add_op("MUL", [x.index, k], [scaled.index])
        x = scaled
    y = m.output(shape, dtype=dst, quant=(0.05, 3) if dst == "int8" else None)
    return m.finish("CAST", [x], [y], in_data_type=0, out_data_type=0)


GENERATORS = {
    "shape": (make_shape, BOTH),
    "broadcast_args": (make_broadcast_args, ("int32",)),
    "zeros_like": (make_zeros_like, ("float32",)),
    "fill": (make_fill, BOTH),
    "cast": (make_cast, BOTH),
    "cast_uint8": (lambda rng, dtype: make_cast(rng, dtype, ("uint8",)), BOTH),
}
NOT_FOR_TFLM = {"cast_uint8"}  # tflite-micro casts no uint8
