"""TFLite flatbuffer -> Graph (subgraph 0), using the ``tflite`` package's generated reader.

Fused activations become the ``activation`` attribute, SAME/VALID padding becomes explicit
``pad`` (top, left, bottom, right), and every unsupported operator or feature is collected
and reported at once (UnsupportedError) before anything else happens.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import tflite

from aot.core.errors import ModelError, UnsupportedError
from aot.core.ir import Graph, Op, Quant, Tensor
from aot.frontends.source import read_source
from aot.frontends.validate import check_graph
from aot.ops.window import same_or_valid

_TYPES = {
    tflite.TensorType.FLOAT32: "float32",
    tflite.TensorType.INT8: "int8",
    tflite.TensorType.UINT8: "uint8",
    tflite.TensorType.INT16: "int16",
    tflite.TensorType.INT32: "int32",
    tflite.TensorType.INT64: "int64",
}
_TYPE_NAMES = {v: k for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}
_OP_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
_PADDING = {tflite.Padding.SAME: "SAME", tflite.Padding.VALID: "VALID"}


def load_tflite(source: bytes | str | Path) -> Graph:
    """Read a .tflite model (path or bytes) into a Graph; raises ModelError / UnsupportedError."""
    g, problems = read_tflite(source)
    if problems:
        raise UnsupportedError(problems)
    return g


def read_tflite(source: bytes | str | Path) -> tuple[Graph, list[tuple[str, str, str]]]:
    """Read a model and list its problems instead of raising on them (for `inspect`).

    An unsupported operator appears as an op of kind "unsupported" (attrs["op"] names it)."""
    data, name = read_source(source)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelError(f"{name}: not a TFLite flatbuffer (missing the 'TFL3' identifier, {len(data)} bytes)")
    try:
        return _Reader(data, name).graph()
    except ModelError:
        raise
    except Exception as e:  # the flatbuffer reader fails in many ways on corrupt input
        raise ModelError(f"{name}: malformed TFLite flatbuffer ({type(e).__name__}: {e})") from None


class _Reader:
    def __init__(self, data: bytes, name: str):
        self.data = data
        self.name = name
        self.model = tflite.Model.GetRootAsModel(data, 0)
        if self.model.SubgraphsLength() < 1:
            raise ModelError(f"{name}: the model has no subgraph")
        self.sg = self.model.Subgraphs(0)
        self.problems: list[tuple[str, str, str]] = []

    def graph(self) -> tuple[Graph, list[tuple[str, str, str]]]:
        names = self._tensor_names()
        self._shapes = {
            names[i]: tuple(int(d) for d in self.sg.Tensors(i).ShapeAsNumpy()) if self.sg.Tensors(i).ShapeLength() else ()
            for i in range(self.sg.TensorsLength())
        }
        tensors = {}
        for i in range(self.sg.TensorsLength()):
            t = self._tensor(i, names[i])
            if t is not None:
                tensors[t.name] = t
        self._tensors, self._names = tensors, names
        ops = [self._op(i, names) for i in range(self.sg.OperatorsLength())]
        inputs = [names[i] for i in self.sg.InputsAsNumpy()] if self.sg.InputsLength() else []
        outputs = [names[i] for i in self.sg.OutputsAsNumpy()] if self.sg.OutputsLength() else []
        g = Graph(tensors, ops, inputs, outputs, name=self.name)
        if not self.problems:
            self.problems = check_graph(g)
        return g, self.problems

    def _tensor_names(self) -> list[str]:
        names, seen = [], set()
        for i in range(self.sg.TensorsLength()):
            base = (self.sg.Tensors(i).Name() or b"").decode("utf-8", "replace") or f"tensor_{i}"
            name = base if base not in seen else f"{base}#{i}"
            seen.add(name)
            names.append(name)
        return names

    def _tensor(self, i: int, name: str) -> Tensor | None:
        t = self.sg.Tensors(i)
        ttype = t.Type()
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        if ttype not in _TYPES:
            self.problems.append((f"tensor {name!r}", _TYPE_NAMES.get(ttype, str(ttype)), "tensor type is not supported"))
            return None
        dtype = _TYPES[ttype]
        if any(d < 0 for d in shape):
            self.problems.append((f"tensor {name!r}", dtype, f"dynamic shape {list(shape)} is not supported"))
        quant = None
        q = t.Quantization()
        if q is not None and q.ScaleLength() > 0:
            zp = q.ZeroPointAsNumpy() if q.ZeroPointLength() else np.zeros(q.ScaleLength(), np.int64)
            axis = q.QuantizedDimension() if q.ScaleLength() > 1 else None
            quant = Quant(q.ScaleAsNumpy(), zp, axis)
        data = None
        buf = self.model.Buffers(t.Buffer()) if t.Buffer() < self.model.BuffersLength() else None
        if buf is not None and buf.DataLength() > 0:
            raw = buf.DataAsNumpy().tobytes()
            tensor = Tensor(name, shape, dtype, quant)
            if len(raw) != tensor.nbytes:
                raise ModelError(f"{self.name}: tensor {name!r} has {len(raw)} data bytes, shape needs {tensor.nbytes}")
            data = np.frombuffer(raw, dtype=tensor.np_dtype).reshape(shape).copy()
        return Tensor(name, shape, dtype, quant, data)

    def _op(self, index: int, names: list[str]) -> Op:
        op = self.sg.Operators(index)
        code = self.model.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        opname = _OP_NAMES.get(builtin, f"BUILTIN_{builtin}")
        if builtin == tflite.BuiltinOperator.CUSTOM:
            opname = f"CUSTOM({(code.CustomCode() or b'').decode()})"
        loc = f"#{index}"
        ins = [names[i] if i >= 0 else None for i in op.InputsAsNumpy()] if op.InputsLength() else []
        outs = [names[i] for i in op.OutputsAsNumpy()] if op.OutputsLength() else []
        convert = _CONVERTERS.get(opname)
        try:
            if convert is None:
                raise _Unsupported("operator is not supported")
            kind, attrs, ins = convert(self, op, ins)
        except _Unsupported as e:
            self.problems.append((loc, opname, str(e)))
            return Op("unsupported", ins, outs, {"op": opname}, name=f"{loc} {opname}")
        return Op(kind, ins, outs, attrs, name=f"{loc} {opname}")

    # -- per-operator attribute readers ------------------------------------------------------
    def _options(self, op, cls):
        table = op.BuiltinOptions()
        opts = cls()
        if table is not None:
            opts.Init(table.Bytes, table.Pos)
        return opts

    def _const(self, ins, i: int, what: str) -> np.ndarray:
        """The data of constant operand ``i`` (``what`` names it in the problem if absent or not constant)."""
        t = self._tensors.get(ins[i]) if i < len(ins) and ins[i] is not None else None
        if t is None or t.data is None:
            raise _Unsupported(f"the {what} operand must be a constant tensor")
        return np.asarray(t.data)

    def _outs(self, op) -> list[str]:
        return [self._names[i] for i in op.OutputsAsNumpy()] if op.OutputsLength() else []

    def _rank(self, ins) -> int:
        return len(self._shapes[ins[0]])

    def _activation(self, opts) -> str:
        act = _ACTIVATIONS.get(opts.FusedActivationFunction(), "?")
        if act not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
            raise _Unsupported(f"fused activation {act} is not supported")
        return act

    def _window(self, opts, ins, kernel, dilation) -> dict:
        x_shape = self._shapes[ins[0]]
        stride = (opts.StrideH(), opts.StrideW())
        padding = _PADDING.get(opts.Padding())
        if padding is None or len(x_shape) != 4:
            raise _Unsupported("needs a 4-D NHWC input and SAME or VALID padding")
        oh, top, bottom = same_or_valid(padding, x_shape[1], kernel[0], stride[0], dilation[0])
        ow, left, right = same_or_valid(padding, x_shape[2], kernel[1], stride[1], dilation[1])
        return {"stride": stride, "dilation": dilation, "pad": (top, left, bottom, right), "out_hw": (oh, ow)}


class _Unsupported(Exception):
    pass


def _conv2d(r: _Reader, op, ins):
    o = r._options(op, tflite.Conv2DOptions)
    w = r._shapes[ins[1]]
    win = r._window(o, ins, w[1:3], (o.DilationHFactor(), o.DilationWFactor()))
    del win["out_hw"]
    return "conv2d", {**win, "activation": r._activation(o)}, ins[:3]


def _depthwise_conv2d(r: _Reader, op, ins):
    o = r._options(op, tflite.DepthwiseConv2DOptions)
    w, x = r._shapes[ins[1]], r._shapes[ins[0]]
    win = r._window(o, ins, w[1:3], (o.DilationHFactor(), o.DilationWFactor()))
    del win["out_hw"]
    multiplier = w[3] // x[3] if len(x) == 4 and x[3] else 1  # the option is unreliable in old models
    return "depthwise_conv2d", {**win, "activation": r._activation(o), "depth_multiplier": multiplier}, ins[:3]


def _fully_connected(r: _Reader, op, ins):
    o = r._options(op, tflite.FullyConnectedOptions)
    if o.WeightsFormat() != 0:
        raise _Unsupported("shuffled weights format is not supported")
    return "fully_connected", {"activation": r._activation(o)}, ins[:3]


def _pool(kind):
    def convert(r: _Reader, op, ins):
        o = r._options(op, tflite.Pool2DOptions)
        kernel = (o.FilterHeight(), o.FilterWidth())
        win = r._window(o, ins, kernel, (1, 1))
        return kind, {"filter": kernel, "stride": win["stride"], "pad": win["pad"], "activation": r._activation(o)}, ins[:1]

    return convert


def _add(r: _Reader, op, ins):
    o = r._options(op, tflite.AddOptions)
    return "add", {"activation": r._activation(o)}, ins[:2]


def _softmax(r: _Reader, op, ins):
    o = r._options(op, tflite.SoftmaxOptions)
    return "softmax", {"beta": float(o.Beta()) if op.BuiltinOptions() is not None else 1.0}, ins[:1]


def _concatenation(r: _Reader, op, ins):
    o = r._options(op, tflite.ConcatenationOptions)
    act = _ACTIVATIONS.get(o.FusedActivationFunction(), "?")
    if act != "NONE":
        raise _Unsupported(f"fused activation {act} is not supported on CONCATENATION")
    rank = r._rank(ins)
    axis = o.Axis()
    if not -rank <= axis < rank:
        raise _Unsupported(f"axis {axis} is out of range for rank {rank}")
    ts = [r._tensors.get(n) for n in [*ins, *r._outs(op)]]
    quants = {None if t is None or t.quant is None else str(t.quant.to_json()) for t in ts}
    if len(quants) > 1:
        raise _Unsupported("inputs and output are quantised differently (requantising concatenation is not supported)")
    return "concat", {"axis": axis % rank}, ins


def _pad_widths(r: _Reader, ins) -> tuple[list[int], list[int]]:
    p = r._const(ins, 1, "paddings").astype(np.int64)
    rank = r._rank(ins)
    if p.shape != (rank, 2):
        raise _Unsupported(f"paddings of shape {list(p.shape)} do not match a rank-{rank} input")
    if (p < 0).any():
        raise _Unsupported("negative paddings are not supported")
    return [int(v) for v in p[:, 0]], [int(v) for v in p[:, 1]]


def _pad(r: _Reader, op, ins):
    before, after = _pad_widths(r, ins)
    y = r._tensors.get(r._outs(op)[0])
    quant = y.quant if y is not None else None
    value = int(np.asarray(quant.zero_point).reshape(-1)[0]) if quant is not None else 0.0  # TFLM: the output zp
    return "pad", {"before": before, "after": after, "mode": "constant", "value": value}, ins[:1]


def _padv2(r: _Reader, op, ins):
    if len(ins) < 3 or ins[2] is None:
        return _pad(r, op, ins)  # no constant value: like PAD
    before, after = _pad_widths(r, ins)
    v = r._const(ins, 2, "constant value")
    if v.size != 1:
        raise _Unsupported("the constant value must hold one element")
    value = v.reshape(-1)[0].item()  # int8: the raw stored value, as tflite-micro pads with it
    return "pad", {"before": before, "after": after, "mode": "constant", "value": value}, ins[:1]


def _transpose(r: _Reader, op, ins):
    perm = [int(p) for p in r._const(ins, 1, "perm").reshape(-1)]
    rank = r._rank(ins)
    return "transpose", {"perm": [p % rank if -rank <= p < 0 else p for p in perm]}, ins[:1]


def _expand_dims(r: _Reader, op, ins):
    r._const(ins, 1, "axis")
    return "reshape", {}, ins[:1]


def _slice(r: _Reader, op, ins):
    shape = r._shapes[ins[0]]
    begin = [int(v) for v in r._const(ins, 1, "begin").reshape(-1)]
    size = [int(v) for v in r._const(ins, 2, "size").reshape(-1)]
    if len(begin) != len(shape) or len(size) != len(shape):
        raise _Unsupported(f"begin/size need one entry per axis of the rank-{len(shape)} input")
    for b, s, n in zip(begin, size, shape):
        if not 0 <= b <= n or s < -1 or (s >= 0 and b + s > n):
            raise _Unsupported(f"slice begin {begin} size {size} reads outside the input {list(shape)}")
    return "slice", {"starts": begin, "steps": [1] * len(shape)}, ins[:1]


def _strided_slice(r: _Reader, op, ins):
    o = r._options(op, tflite.StridedSliceOptions)
    for mask, name in ((o.EllipsisMask(), "ellipsis_mask"), (o.NewAxisMask(), "new_axis_mask"),
                       (o.ShrinkAxisMask(), "shrink_axis_mask")):
        if mask:
            raise _Unsupported(f"{name} is not supported")
    if o.Offset():
        raise _Unsupported("offset is not supported")
    shape = r._shapes[ins[0]]
    begin, end, strides = (
        [int(v) for v in r._const(ins, i, what).reshape(-1)] for i, what in ((1, "begin"), (2, "end"), (3, "strides")))
    if not len(begin) == len(end) == len(strides) == len(shape):
        raise _Unsupported(f"begin/end/strides need one entry per axis of the rank-{len(shape)} input")
    if min(strides) <= 0:
        raise _Unsupported("only positive strides are supported")
    starts, counts = [], []
    for a, n in enumerate(shape):
        b = 0 if o.BeginMask() >> a & 1 else begin[a] + (n if begin[a] < 0 else 0)
        e = n if o.EndMask() >> a & 1 else end[a] + (n if end[a] < 0 else 0)
        b, e = min(max(b, 0), n), min(max(e, 0), n)
        starts.append(int(b))
        counts.append(max(0, -(-(e - b) // strides[a])))
    out_shape = r._shapes[r._outs(op)[0]]
    if tuple(counts) != tuple(out_shape):
        raise _Unsupported(f"strided slice of {list(shape)} gives {counts}, the output is {list(out_shape)}")
    return "slice", {"starts": starts, "steps": strides}, ins[:1]


def _plain(kind):
    return lambda r, op, ins: (kind, {}, ins[:1])


def _float_only(r: _Reader, op, data_ins, opname: str) -> None:
    """Refuse a non-float32 data operand or result of the float-only unary/binary/reduce kinds."""
    for n in [*data_ins, *r._outs(op)]:
        t = r._tensors.get(n) if n is not None else None
        if t is not None and t.dtype != "float32":
            raise _Unsupported(f"{t.dtype} {opname} is not supported yet")


def _binary(opname: str, fn: str, options=None):
    """SUB/MUL/DIV (fused activation NONE only: the binary kind has no activation) and MAXIMUM/MINIMUM."""
    def convert(r: _Reader, op, ins):
        _float_only(r, op, ins[:2], opname)
        if options is not None:
            act = _ACTIVATIONS.get(r._options(op, options).FusedActivationFunction(), "?")
            if act != "NONE":
                raise _Unsupported(f"fused activation {act} is not supported on float {opname} yet")
        return "binary", {"fn": fn}, ins[:2]

    return convert


def _unary(opname: str, fn: str, options=None, **params):
    """``options(r, op) -> attrs`` reads the attributes an operator's options carry."""
    def convert(r: _Reader, op, ins):
        _float_only(r, op, ins[:1], opname)
        return "unary", {"fn": fn, **params, **(options(r, op) if options else {})}, ins[:1]

    return convert


def _reduce(opname: str, fn: str):
    def convert(r: _Reader, op, ins):
        _float_only(r, op, ins[:1], opname)
        rank = r._rank(ins)
        axes = [int(a) for a in r._const(ins, 1, "axis").reshape(-1)]
        if any(not -rank <= a < rank for a in axes):
            raise _Unsupported(f"axes {axes} are out of range for rank {rank}")
        keep = bool(r._options(op, tflite.ReducerOptions).KeepDims())
        return "reduce", {"fn": fn, "axes": sorted({a % rank for a in axes}), "keepdims": keep}, ins[:1]

    return convert


_CONVERTERS = {
    "CONV_2D": _conv2d,
    "DEPTHWISE_CONV_2D": _depthwise_conv2d,
    "FULLY_CONNECTED": _fully_connected,
    "AVERAGE_POOL_2D": _pool("average_pool2d"),
    "MAX_POOL_2D": _pool("max_pool2d"),
    "ADD": _add,
    "RESHAPE": _plain("reshape"),
    "SQUEEZE": _plain("reshape"),
    "SOFTMAX": _softmax,
    "CONCATENATION": _concatenation,
    "PAD": _pad,
    "PADV2": _padv2,
    "TRANSPOSE": _transpose,
    "EXPAND_DIMS": _expand_dims,
    "SLICE": _slice,
    "STRIDED_SLICE": _strided_slice,
    "SUB": _binary("SUB", "sub", tflite.SubOptions),
    "MUL": _binary("MUL", "mul", tflite.MulOptions),
    "DIV": _binary("DIV", "div", tflite.DivOptions),
    "MAXIMUM": _binary("MAXIMUM", "max"),
    "MINIMUM": _binary("MINIMUM", "min"),
    "ABS": _unary("ABS", "abs"),
    "NEG": _unary("NEG", "neg"),
    "SQRT": _unary("SQRT", "sqrt"),
    "EXP": _unary("EXP", "exp"),
    "FLOOR": _unary("FLOOR", "floor"),
    "CEIL": _unary("CEIL", "ceil"),
    "TANH": _unary("TANH", "tanh"),
    "LOGISTIC": _unary("LOGISTIC", "sigmoid"),
    "RELU": _unary("RELU", "relu"),
    "RELU6": _unary("RELU6", "clip", min=0.0, max=6.0),
    "LEAKY_RELU": _unary("LEAKY_RELU", "leaky_relu",
                         lambda r, op: {"alpha": float(r._options(op, tflite.LeakyReluOptions).Alpha())}),
    "HARD_SWISH": _unary("HARD_SWISH", "hardswish"),
    "ELU": _unary("ELU", "elu", alpha=1.0),
    "MEAN": _reduce("MEAN", "mean"),
    "SUM": _reduce("SUM", "sum"),
    "REDUCE_MAX": _reduce("REDUCE_MAX", "max"),
    "REDUCE_MIN": _reduce("REDUCE_MIN", "min"),
    "QUANTIZE": _plain("quantize"),
    "DEQUANTIZE": _plain("dequantize"),
}
