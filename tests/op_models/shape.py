"""Single-op models: data movement (RESHAPE, CONCATENATION, PAD, TRANSPOSE, SLICE, ...)."""
from __future__ import annotations

import numpy as np

from tests.op_models.base import (
    BOTH,
    Model,
    factor_shape,
    i32,
    random_quant,
    random_quant16,
    random_shape,
)


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


def make_concatenation(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    rank = int(rng.integers(1, 5))
    base = random_shape(rng, rank)
    axis = int(rng.integers(-rank, rank))
    quant = random_quant16(rng) if dtype == "int16" else random_quant(rng)  # TFLM: int16 zero point 0
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
        value = rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max + 1, (1,)) if m.q else rng.normal(0, 1, (1,))
        ins.append(m.b.add_tensor("value", (1,), dtype, data=value.astype(dtype),
                                  **({"scale": x.scale, "zero_point": x.zero_point} if m.q else {})))
    return m.finish("PADV2" if v2 else "PAD", ins, [y])


def make_pad(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _pad_like(rng, dtype, False)


def make_padv2(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _pad_like(rng, dtype, True)


def make_mirror_pad(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    symmetric = bool(rng.random() < 0.5)
    pads = np.asarray([[int(rng.integers(0, n + symmetric)) for _ in range(2)] for n in x.shape])
    y = m.output(tuple(int(n + a + b) for n, (a, b) in zip(x.shape, pads)), quant=(x.scale, x.zero_point))
    return m.finish("MIRROR_PAD", [x, i32(m, "paddings", pads)], [y], mode=int(symmetric))


def make_transpose(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    perm = rng.permutation(len(x.shape))
    y = m.output(tuple(x.shape[p] for p in perm), quant=(x.scale, x.zero_point))
    return m.finish("TRANSPOSE", [x, i32(m, "perm", perm)], [y])


def make_expand_dims(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 4))))
    axis = int(rng.integers(-len(x.shape) - 1, len(x.shape) + 1))
    y_shape = list(x.shape)
    y_shape.insert(axis % (len(x.shape) + 1), 1)
    y = m.output(y_shape, quant=(x.scale, x.zero_point))
    return m.finish("EXPAND_DIMS", [x, i32(m, "axis", [axis])], [y])


def make_squeeze(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    shape = [1 if rng.random() < 0.5 else n for n in random_shape(rng, int(rng.integers(1, 5)))]
    ones = [a for a, n in enumerate(shape) if n == 1]
    dims = [a for a in ones if rng.random() < 0.5] if rng.random() < 0.7 else []  # none: every 1 goes
    x = m.input("x", shape)
    y = m.output([n for a, n in enumerate(shape) if a not in (dims or ones)], quant=(x.scale, x.zero_point))
    return m.finish("SQUEEZE", [x], [y], squeeze_dims=[a - len(shape) if rng.random() < 0.3 else a for a in dims])


def make_slice(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    begin = [int(rng.integers(0, n)) for n in x.shape]
    size = [-1 if rng.random() < 0.25 else int(rng.integers(1, n - b + 1)) for n, b in zip(x.shape, begin)]
    y = m.output([n - b if s == -1 else s for n, b, s in zip(x.shape, begin, size)], quant=(x.scale, x.zero_point))
    return m.finish("SLICE", [x, i32(m, "begin", begin), i32(m, "size", size)], [y])


def make_strided_slice(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """Random begin/end (negative, out of range), strides of either sign, begin/end/shrink masks;
    the output shape is Python's slicing of each axis (slice.indices clamps like TFLite)."""
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5))))
    rank = len(x.shape)
    begin_mask, end_mask = int(rng.integers(0, 1 << rank)), int(rng.integers(0, 1 << rank))
    shrink_mask = int(rng.integers(0, 1 << rank)) if rng.random() < 0.4 else 0
    begin, end, strides, y_shape = [], [], [], []
    for a, n in enumerate(x.shape):
        if shrink_mask >> a & 1:
            b = int(rng.integers(-n, n))
            begin.append(b)
            end.append(int(rng.integers(-n, n + 1)))  # ignored
            strides.append(1)
            continue
        s = int(rng.choice([-3, -2, -1, 1, 2, 3]))
        b, e = (int(v) for v in rng.integers(-n - 2, n + 3, 2))
        sl = slice(None if begin_mask >> a & 1 else b, None if end_mask >> a & 1 else e, s)
        count = len(range(*sl.indices(n)))
        if count == 0:  # keep the output non-empty: make it run the whole axis
            b, e = (0, n) if s > 0 else (n - 1, -n - 1)
            count = len(range(*slice(b, e, s).indices(n)))
            begin_mask &= ~(1 << a)
            end_mask &= ~(1 << a)
        begin.append(b)
        end.append(e)
        strides.append(s)
        y_shape.append(count)
    y = m.output(y_shape, quant=(x.scale, x.zero_point))
    return m.finish("STRIDED_SLICE", [x, i32(m, "begin", begin), i32(m, "end", end), i32(m, "strides", strides)],
                    [y], begin_mask=begin_mask, end_mask=end_mask, shrink_axis_mask=shrink_mask)


def numpy_index(begin, end, strides, masks: dict) -> tuple:
    """The NumPy index a TensorFlow strided slice spec stands for."""
    index = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = {k: bool(v >> i & 1) for k, v in masks.items()}
        if bit["ellipsis_mask"]:
            index.append(Ellipsis)
        elif bit["new_axis_mask"]:
            index.append(None)
        elif bit["shrink_axis_mask"]:
            index.append(b)
        else:
            index.append(slice(None if bit["begin_mask"] else b, None if bit["end_mask"] else e, s))
    return tuple(index)


def strided_slice_masks(rng: np.random.Generator) -> tuple[tuple[int, ...], list, list, list, dict, tuple[int, ...]]:
    """A random strided slice spec with ellipsis, new-axis and shrink masks that NumPy accepts, of a
    non-empty output of at most 5 axes: (x shape, begin, end, strides, masks, that output shape)."""
    while True:
        x_shape = random_shape(rng, int(rng.integers(1, 5)), 4)
        n = int(rng.integers(1, len(x_shape) + 2))
        begin, end = ([int(v) for v in rng.integers(-4, 5, n)] for _ in range(2))
        strides = [int(rng.choice([-2, -1, 1, 2])) for _ in range(n)]
        masks = {k: int(rng.integers(0, 1 << n)) for k in ("begin_mask", "end_mask", "new_axis_mask")}
        masks["ellipsis_mask"] = 1 << int(rng.integers(n)) if rng.random() < 0.6 else 0
        shrink = int(rng.integers(0, 1 << n)) & ~masks["ellipsis_mask"] & ~masks["new_axis_mask"] if rng.random() < 0.4 else 0
        masks["shrink_axis_mask"] = shrink
        masks["begin_mask"] &= ~shrink  # (TensorFlow ignores it there, tflite-micro does not)
        strides = [1 if shrink >> i & 1 else s for i, s in enumerate(strides)]  # as TensorFlow requires
        try:
            y_shape = np.empty(x_shape)[numpy_index(begin, end, strides, masks)].shape
        except IndexError:  # more indices than axes, or a shrunk index out of range
            continue
        if len(y_shape) <= 5 and all(y_shape):  # (the C runtime describes up to 6-D tensors)
            return x_shape, begin, end, strides, masks, y_shape


def make_strided_slice_masks(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """Ellipsis and new-axis masks, which tflite-micro ignores (it sets them to 0)."""
    m = Model(rng, dtype)
    x_shape, begin, end, strides, masks, y_shape = strided_slice_masks(rng)
    x = m.input("x", x_shape)
    y = m.output(y_shape, quant=(x.scale, x.zero_point))
    return m.finish("STRIDED_SLICE", [x, i32(m, "b", begin), i32(m, "e", end), i32(m, "s", strides)], [y], **masks)


def _indices(m: Model, shape, high, runtime: bool) -> int:
    """Constant int32 indices in [0, high) (high: one bound, or one per last-axis entry), or
    (``runtime``) a model input of int32 or int64, which random_inputs draws over the whole range:
    out of range, so only for the C against the reference (tflite-micro stops on them, int64 too)."""
    dtype = "int64" if runtime and m.rng.random() < 0.5 else "int32"
    data = (m.rng.integers(0, 1 << 30, shape) % np.asarray(high)).astype(dtype)
    if runtime:
        return m.tensor("indices", shape, dtype=dtype, graph_input=True).index
    return m.b.add_tensor("indices", shape, dtype, data=data)


def make_gather(rng: np.random.Generator, dtype: str = "int8", runtime: bool = False) -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5)), 5))
    rank = len(x.shape)
    axis = int(rng.integers(rank))
    bd = int(rng.integers(0, axis + 1)) if rng.random() < 0.4 else 0
    idx_shape = tuple(x.shape[:bd]) + random_shape(rng, int(rng.integers(0, 3)), 4)
    idx = _indices(m, idx_shape, x.shape[axis], runtime)
    y = m.output(x.shape[:axis] + idx_shape[bd:] + x.shape[axis + 1:], quant=(x.scale, x.zero_point))
    axis_opt = axis - rank if rng.random() < 0.3 else axis
    return m.finish("GATHER", [x, idx], [y], axis=axis_opt, batch_dims=bd)


def make_gather_nd(rng: np.random.Generator, dtype: str = "int8", runtime: bool = False) -> bytes:
    m = Model(rng, dtype)
    x = m.input("x", random_shape(rng, int(rng.integers(1, 5)), 5))
    k = int(rng.integers(1, len(x.shape) + 1))
    idx_shape = random_shape(rng, int(rng.integers(0, 3)), 4) + (k,)
    idx = _indices(m, idx_shape, list(x.shape[:k]), runtime)
    y = m.output(idx_shape[:-1] + x.shape[k:], quant=(x.scale, x.zero_point))
    return m.finish("GATHER_ND", [x, idx], [y], table="GatherNdOptions")


GENERATORS = {
    "reshape": (make_reshape, BOTH),
    "concatenation": (make_concatenation, BOTH),
    "pad": (make_pad, BOTH),
    "padv2": (make_padv2, BOTH),
    "mirror_pad": (make_mirror_pad, BOTH),
    "transpose": (make_transpose, BOTH),
    "expand_dims": (make_expand_dims, BOTH),
    "squeeze": (make_squeeze, BOTH),
    "slice": (make_slice, BOTH),
    "strided_slice": (make_strided_slice, BOTH),
    "gather": (make_gather, BOTH),
    "gather_nd": (make_gather_nd, BOTH),
    "gather_runtime_indices": (lambda rng, dtype: make_gather(rng, dtype, True), BOTH),
    "gather_nd_runtime_indices": (lambda rng, dtype: make_gather_nd(rng, dtype, True), BOTH),
    "strided_slice_masks": (make_strided_slice_masks, BOTH),
}
# indices out of range or int64; ellipsis and new-axis masks
NOT_FOR_TFLM = {"gather_runtime_indices", "gather_nd_runtime_indices", "strided_slice_masks"}
