"""Semantic TFLite mutants: a small valid model (conv, depthwise, pool, reshape, FC, softmax)
built with tests/tflite_builder.py, with one piece of nonsense put in — a scale, zero point,
index, rank, dim, writer, option — that a flatbuffer verifier would still accept."""
from __future__ import annotations

import numpy as np

from tests.tflite_builder import TFLiteBuilder

NONSENSE_SCALES = (0.0, -1.0, float("nan"), float("inf"), -float("inf"), 1e-45, 1e38)
NONSENSE_ZERO_POINTS = (300, -300, 128, -129, 2**31 - 1, -2**31, 2**40)
NONSENSE_INDICES = (-1, -2, 99, 2**31 - 1)


def _base(rng: np.random.Generator, quantized: bool) -> dict:
    """{"tensors": {name: add_tensor kwargs}, "ops": [(op, inputs, outputs, options)], "io": (ins, outs)}."""
    def t(shape, *, const=False, scale=0.1, zp=0, per_channel=0, qdim=0, bias=False):
        dtype = ("int32" if bias else "int8") if quantized else "float32"
        kw: dict = {"shape": shape, "dtype": dtype}
        if const:
            lo, hi = (-127, 128) if quantized else (-1, 1)
            kw["data"] = rng.integers(lo, hi, shape) if quantized else rng.uniform(lo, hi, shape).astype(np.float32)
        if quantized:
            kw["scale"] = [scale] * per_channel if per_channel else scale
            kw["zero_point"] = [0] * per_channel if per_channel else zp
            kw["quantized_dimension"] = qdim
        return kw

    tensors = {
        "x": t((1, 8, 8, 3), scale=0.05, zp=-3),
        "w": t((4, 3, 3, 3), const=True, scale=0.02, per_channel=4),
        "b": t((4,), const=True, scale=0.001, per_channel=4, bias=True),
        "y1": t((1, 8, 8, 4), zp=-128),
        "dw": t((1, 3, 3, 4), const=True, scale=0.02, per_channel=4, qdim=3),
        "db": t((4,), const=True, scale=0.002, per_channel=4, bias=True),
        "y2": t((1, 8, 8, 4), zp=-5),
        "y3": t((1, 4, 4, 4), zp=-5),
        "y4": t((1, 64), zp=-5),
        "fw": t((10, 64), const=True, scale=0.01),
        "fb": t((10,), const=True, scale=0.001, bias=True),
        "y5": t((1, 10), scale=0.2, zp=3),
        "y6": t((1, 10), scale=1 / 256, zp=-128),
    }
    ops = [
        ["CONV_2D", ["x", "w", "b"], ["y1"], {"padding": "SAME", "stride": 1, "activation": "RELU6"}],
        ["DEPTHWISE_CONV_2D", ["y1", "dw", "db"], ["y2"], {"padding": "SAME", "stride": 1}],
        ["MAX_POOL_2D", ["y2"], ["y3"], {"filter": 2, "stride": 2, "padding": "VALID"}],
        ["RESHAPE", ["y3"], ["y4"], {"new_shape": [1, 64]}],
        ["FULLY_CONNECTED", ["y4", "fw", "fb"], ["y5"], {}],
        ["SOFTMAX", ["y5"], ["y6"], {}],
    ]
    return {"tensors": tensors, "ops": ops, "io": (["x"], ["y6"]), "buffer": {}, "opcode": {}}


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _quantized(spec) -> list[str]:
    return [n for n, kw in spec["tensors"].items() if "scale" in kw]


def _activations(spec) -> list[str]:
    return [n for n, kw in spec["tensors"].items() if "data" not in kw]


def bad_scale(spec, rng):
    kw = spec["tensors"][_pick(rng, _quantized(spec))]
    scale = list(np.atleast_1d(kw["scale"]).astype(float))
    scale[int(rng.integers(len(scale)))] = _pick(rng, NONSENSE_SCALES)
    kw["scale"] = scale


def bad_zero_point(spec, rng):
    kw = spec["tensors"][_pick(rng, _quantized(spec))]
    zp = list(np.atleast_1d(kw["zero_point"]).astype(np.int64))
    zp[int(rng.integers(len(zp)))] = _pick(rng, NONSENSE_ZERO_POINTS)
    kw["zero_point"] = zp


def bad_per_channel(spec, rng):
    kw = spec["tensors"][_pick(rng, ["w", "b", "dw", "db"])]
    if rng.integers(2):
        kw["quantized_dimension"] = _pick(rng, (-1, 1, 4, 7))
    else:
        n = _pick(rng, (1, 2, 3, 5, 8))
        kw["scale"], kw["zero_point"] = [0.02] * n, [0] * n


def index_out_of_range(spec, rng):
    op = _pick(rng, spec["ops"])
    side = op[1] if rng.integers(2) else op[2]
    side[int(rng.integers(len(side)))] = _pick(rng, NONSENSE_INDICES + (len(spec["tensors"]),))


def io_index(spec, rng):
    ins, outs = spec["io"]
    side = _pick(rng, (ins, outs))
    if rng.integers(4) == 0:
        side.clear()
    else:
        side[0] = _pick(rng, NONSENSE_INDICES + (len(spec["tensors"]),))


def duplicate_writer(spec, rng):
    k = int(rng.integers(1, len(spec["ops"])))
    spec["ops"][k][2] = list(spec["ops"][int(rng.integers(k))][2])


def writes_own_input(spec, rng):
    op = _pick(rng, spec["ops"])
    op[2] = [op[1][0]]


def read_before_write(spec, rng):
    order = rng.permutation(len(spec["ops"]))
    spec["ops"] = [spec["ops"][i] for i in order]


def missing_input(spec, rng):
    op = _pick(rng, spec["ops"])
    op[1][int(rng.integers(len(op[1])))] = None


def _reshape_tensor(spec, rng, shape_of):
    name = _pick(rng, list(spec["tensors"]))
    kw = spec["tensors"][name]
    shape = shape_of(list(kw["shape"]))
    if "data" in kw:  # a constant's data must match its shape: nonsense dims become 0
        shape = [d if 0 <= d <= 64 else 0 for d in shape]
        kw["data"] = np.zeros(shape, dtype=np.asarray(kw["data"]).dtype)
    kw["shape"] = shape


def bad_dim(spec, rng):
    def f(shape):
        if shape:
            shape[int(rng.integers(len(shape)))] = _pick(rng, (0, -1, -7, 2**31 - 1))
        return shape
    _reshape_tensor(spec, rng, f)


def wrong_rank(spec, rng):
    _reshape_tensor(spec, rng, lambda s: _pick(rng, ([], s[:-1], s + [1], [1] + s, s + [2, 3])))


def huge_dims(spec, rng):
    kw = spec["tensors"][_pick(rng, _activations(spec))]
    kw["shape"] = [1, 65536, 65536, len(kw["shape"]) and 4]


def bad_options(spec, rng):
    k = int(rng.integers(len(spec["ops"])))
    op, _, _, opts = spec["ops"][k]
    if op in ("CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D"):
        key = _pick(rng, ("stride", "padding", "filter" if op == "MAX_POOL_2D" else "dilation"))
        opts[key] = 7 if key == "padding" else _pick(rng, (0, -1, (0, 1), (1, -3), 1000))
    elif op == "RESHAPE":
        opts["new_shape"] = _pick(rng, ([], [0], [-1, -1], [7, 9], [2**31 - 1], [1, 65]))
    elif op == "SOFTMAX":
        opts["beta"] = _pick(rng, (0.0, -1.0, float("nan"), float("inf"), 1e30))
    else:
        opts["activation"] = _pick(rng, (6, 99, -1))


def bad_buffer(spec, rng):
    spec["buffer"][_pick(rng, list(spec["tensors"]))] = _pick(rng, (9999, 2**32 - 1))


def bad_opcode(spec, rng):
    spec["opcode"][int(rng.integers(len(spec["ops"])))] = _pick(rng, (99, 2**32 - 1))


def dtype_swap(spec, rng):
    kw = spec["tensors"][_pick(rng, list(spec["tensors"]))]
    kw["dtype"] = _pick(rng, ("int16", "uint8", "int32", "int64", "bool", "float32", "int8"))
    if "data" in kw:
        kw["data"] = np.asarray(kw["data"]).astype({"bool": np.bool_}.get(kw["dtype"], np.float64))


FAMILIES = {f.__name__: f for f in (bad_scale, bad_zero_point, bad_per_channel, index_out_of_range, io_index,
                                     duplicate_writer, writes_own_input, read_before_write, missing_input, bad_dim,
                                     wrong_rank, huge_dims, bad_options, bad_buffer, bad_opcode, dtype_swap)}


class _RawBuilder(TFLiteBuilder):
    """Writes the buffer and opcode indices a mutant asks for, in range or not."""

    def __init__(self, buffers: dict[int, int], opcodes: dict[int, int]):
        super().__init__()
        self._buffers, self._opcodes, self._op_count = buffers, opcodes, 0

    def _write_tensor(self, fb, t, buffer):
        return super()._write_tensor(fb, t, self._buffers.get(self.tensors.index(t), buffer))

    def _write_op(self, fb, op, opcode_index):
        k = self.ops.index(op)
        return super()._write_op(fb, op, self._opcodes.get(k, opcode_index))


def _build(spec) -> bytes:
    names = list(spec["tensors"])
    ids = {n: i for i, n in enumerate(names)}
    b = _RawBuilder({ids[n]: v for n, v in spec["buffer"].items()}, spec["opcode"])
    for name in names:
        kw = dict(spec["tensors"][name])
        b.add_tensor(name, kw.pop("shape"), kw.pop("dtype"), **kw)
    ref = lambda x: ids.get(x, x) if isinstance(x, str) else x  # noqa: E731 - names to ids, raw ints kept
    for op, ins, outs, opts in spec["ops"]:
        b.add_op(op, [ref(i) for i in ins], [ref(o) for o in outs], **opts)
    b.set_io([ref(i) for i in spec["io"][0]], [ref(o) for o in spec["io"][1]])
    return b.finish()


def tflite_mutant(rng: np.random.Generator) -> tuple[str, bytes]:
    """(family name, .tflite bytes) of one semantic mutant."""
    name = _pick(rng, list(FAMILIES))
    quant_only = name in ("bad_scale", "bad_zero_point", "bad_per_channel")
    spec = _base(rng, quantized=quant_only or bool(rng.integers(4)))
    FAMILIES[name](spec, rng)
    return name, _build(spec)
