"""Write small, valid .tflite flatbuffers (schema v3, identifier "TFL3") for tests.

Built with the ``tflite`` package's generated builder functions on a
``flatbuffers.Builder``::

    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 8, 8, 3), "int8", scale=0.05, zero_point=-3)
    w = b.add_tensor("w", (4, 3, 3, 3), "int8", data=w_q, scale=w_scales,
                     zero_point=np.zeros(4), quantized_dimension=0)
    bias = b.add_tensor("b", (4,), "int32", data=b_q, scale=0.05 * w_scales, zero_point=np.zeros(4))
    y = b.add_tensor("y", (1, 8, 4, 4), "int8", scale=0.1, zero_point=-128)
    b.add_op("CONV_2D", [x, w, bias], [y], padding="SAME", stride=(1, 2), activation="RELU6")
    b.set_io([x], [y])
    data: bytes = b.finish()

Tensor ids are the indices returned by ``add_tensor``; ``None`` in an op's
inputs means "optional input absent" (-1 in the file).  Buffer 0 is the empty
sentinel; every constant tensor gets its own buffer, 16-byte aligned.

``read_io`` reads the input/output tensor specs back from any .tflite file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import flatbuffers
import numpy as np
import tflite

DTYPES: dict[str, tuple[int, type]] = {
    "float32": (tflite.TensorType.FLOAT32, np.float32),
    "int8": (tflite.TensorType.INT8, np.int8),
    "uint8": (tflite.TensorType.UINT8, np.uint8),
    "int16": (tflite.TensorType.INT16, np.int16),
    "int32": (tflite.TensorType.INT32, np.int32),
    "int64": (tflite.TensorType.INT64, np.int64),
    "bool": (tflite.TensorType.BOOL, np.bool_),
    "resource": (tflite.TensorType.RESOURCE, np.int32),  # a resource variable's handle (VAR_HANDLE)
}
_DTYPE_BY_CODE = {code: name for name, (code, _) in DTYPES.items()}


# --------------------------------------------------------------------------
# Builtin options.  Each writer turns the user's keyword options into
# ``{SchemaField: value}`` for the options table named by ``OPS[op][1]``.
# --------------------------------------------------------------------------

def _enum(kind: type, name: str | int) -> int:
    return name if isinstance(name, int) else getattr(kind, name.upper())


def _pair(value: int | Sequence[int]) -> tuple[int, int]:
    """(h, w) from an int or a 2-sequence in NHWC (height, width) order."""
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _act(activation: str | int) -> dict[str, int]:
    return {"FusedActivationFunction": _enum(tflite.ActivationFunctionType, activation)}


def _conv_opts(padding="SAME", stride=1, dilation=1, activation="NONE") -> dict[str, Any]:
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    return {"Padding": _enum(tflite.Padding, padding), "StrideH": sh, "StrideW": sw,
            "DilationHFactor": dh, "DilationWFactor": dw, **_act(activation)}


def _dwconv_opts(padding="SAME", stride=1, dilation=1, depth_multiplier=1, activation="NONE"):
    return {**_conv_opts(padding, stride, dilation, activation), "DepthMultiplier": depth_multiplier}


def _fc_opts(activation="NONE", keep_num_dims=False):
    return {**_act(activation), "KeepNumDims": bool(keep_num_dims)}


def _pool_opts(filter, padding="SAME", stride=1, activation="NONE"):  # noqa: A002 - schema name
    (fh, fw), (sh, sw) = _pair(filter), _pair(stride)
    return {"Padding": _enum(tflite.Padding, padding), "StrideH": sh, "StrideW": sw,
            "FilterHeight": fh, "FilterWidth": fw, **_act(activation)}


def _add_opts(activation="NONE"):
    return _act(activation)


def _reshape_opts(new_shape: Sequence[int] | None = None):
    return {} if new_shape is None else {"NewShape": np.asarray(new_shape, dtype=np.int32)}


def _softmax_opts(beta: float = 1.0):
    return {"Beta": float(beta)}


def _concat_opts(axis: int = 0, activation="NONE"):
    return {"Axis": int(axis), **_act(activation)}


def _strided_slice_opts(begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0):
    return {"BeginMask": begin_mask, "EndMask": end_mask, "EllipsisMask": ellipsis_mask,
            "NewAxisMask": new_axis_mask, "ShrinkAxisMask": shrink_axis_mask}


def _no_opts():
    return {}


def _leaky_relu_opts(alpha: float = 0.2):
    return {"Alpha": float(alpha)}


def _reducer_opts(keep_dims: bool = False):
    return {"KeepDims": bool(keep_dims)}


# op name -> (BuiltinOperator code, BuiltinOptions table name or None, options writer)
OPS: dict[str, tuple[int, str | None, Callable[..., dict[str, Any]]]] = {
    "CONV_2D": (tflite.BuiltinOperator.CONV_2D, "Conv2DOptions", _conv_opts),
    "DEPTHWISE_CONV_2D": (tflite.BuiltinOperator.DEPTHWISE_CONV_2D, "DepthwiseConv2DOptions", _dwconv_opts),
    "FULLY_CONNECTED": (tflite.BuiltinOperator.FULLY_CONNECTED, "FullyConnectedOptions", _fc_opts),
    "AVERAGE_POOL_2D": (tflite.BuiltinOperator.AVERAGE_POOL_2D, "Pool2DOptions", _pool_opts),
    "MAX_POOL_2D": (tflite.BuiltinOperator.MAX_POOL_2D, "Pool2DOptions", _pool_opts),
    "ADD": (tflite.BuiltinOperator.ADD, "AddOptions", _add_opts),
    "RESHAPE": (tflite.BuiltinOperator.RESHAPE, "ReshapeOptions", _reshape_opts),
    "SOFTMAX": (tflite.BuiltinOperator.SOFTMAX, "SoftmaxOptions", _softmax_opts),
    "QUANTIZE": (tflite.BuiltinOperator.QUANTIZE, "QuantizeOptions", _no_opts),
    "DEQUANTIZE": (tflite.BuiltinOperator.DEQUANTIZE, "DequantizeOptions", _no_opts),
    "CONCATENATION": (tflite.BuiltinOperator.CONCATENATION, "ConcatenationOptions", _concat_opts),
    "PAD": (tflite.BuiltinOperator.PAD, "PadOptions", _no_opts),
    "PADV2": (tflite.BuiltinOperator.PADV2, "PadV2Options", _no_opts),
    "TRANSPOSE": (tflite.BuiltinOperator.TRANSPOSE, "TransposeOptions", _no_opts),
    "EXPAND_DIMS": (tflite.BuiltinOperator.EXPAND_DIMS, "ExpandDimsOptions", _no_opts),
    "SLICE": (tflite.BuiltinOperator.SLICE, "SliceOptions", _no_opts),
    "STRIDED_SLICE": (tflite.BuiltinOperator.STRIDED_SLICE, "StridedSliceOptions", _strided_slice_opts),
    **{op: (getattr(tflite.BuiltinOperator, op), table, _add_opts)
       for op, table in (("SUB", "SubOptions"), ("MUL", "MulOptions"), ("DIV", "DivOptions"))},
    **{op: (getattr(tflite.BuiltinOperator, op), "MaximumMinimumOptions", _no_opts) for op in ("MAXIMUM", "MINIMUM")},
    **{op: (getattr(tflite.BuiltinOperator, op), table, _no_opts)
       for op, table in (("ABS", "AbsOptions"), ("NEG", "NegOptions"), ("EXP", "ExpOptions"),
                         ("HARD_SWISH", "HardSwishOptions"), ("SQRT", None), ("FLOOR", None), ("CEIL", None),
                         ("TANH", None), ("LOGISTIC", None), ("RELU", None), ("RELU6", None),
                         ("ELU", None))},
    "LEAKY_RELU": (tflite.BuiltinOperator.LEAKY_RELU, "LeakyReluOptions", _leaky_relu_opts),
    **{op: (getattr(tflite.BuiltinOperator, op), "ReducerOptions", _reducer_opts)
       for op in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN")},
}


def _generic_op(op: str, table: str | None = "", **fields: Any) -> tuple[int, str | None, dict[str, Any]]:
    """Any builtin by its schema name; ``fields`` are its options' fields in snake_case (lists become
    int32 vectors). The options table is ``<CamelCase op>Options`` unless ``table`` names it (None:
    the operator has no options table)."""
    code = getattr(tflite.BuiltinOperator, op, None)
    if code is None:
        raise ValueError(f"unknown builtin operator {op!r}")
    if table == "":
        table = "".join(w.capitalize() for w in op.split("_")) + "Options"
    if table is not None and not hasattr(tflite.BuiltinOptions, table):
        raise ValueError(f"{op}: no options table {table!r} (pass table=...)")
    camel = {"".join(w.capitalize() for w in k.split("_")):
             np.asarray(v, np.int32) if isinstance(v, (list, tuple)) else v for k, v in fields.items()}
    if fields and table is None:
        raise ValueError(f"{op}: options {sorted(fields)} given but no options table")
    return code, table, camel


@dataclass
class _Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: str
    data: np.ndarray | None
    scale: np.ndarray | None
    zero_point: np.ndarray | None
    quantized_dimension: int
    variable: bool = False
    buffer: int | None = None  # a buffer index written as is (None: its own buffer, or 0)


@dataclass
class _Op:
    code: int
    inputs: list[int]
    outputs: list[int]
    options_type: str | None
    options: dict[str, Any]
    opcode_index: int | None = None  # an operator code index written as is (None: the op's own)


class TFLiteBuilder:
    def __init__(self, description: str = "microaot test model", subgraph_name: str = "main"):
        self.description = description
        self.subgraph_name = subgraph_name
        self.tensors: list[_Tensor] = []
        self.ops: list[_Op] = []
        self.inputs: list[int] = []
        self.outputs: list[int] = []
        self.subgraphs: list[TFLiteBuilder] = []  # subgraphs 1, 2, ... (e.g. CALL_ONCE's initialisation)

    # -- graph construction -------------------------------------------------

    def add_subgraph(self, name: str) -> tuple[int, "TFLiteBuilder"]:
        """A further subgraph (tensors, ops, inputs and outputs of its own, built like this one):
        (its subgraph index, its builder)."""
        sub = TFLiteBuilder(self.description, name)
        self.subgraphs.append(sub)
        return len(self.subgraphs), sub

    def add_tensor(self, name: str, shape: Sequence[int], dtype: str, *, data: np.ndarray | None = None,
                   scale: float | Sequence[float] | None = None,
                   zero_point: int | Sequence[int] | None = None,
                   quantized_dimension: int = 0, variable: bool = False, buffer: int | None = None) -> int:
        """Add a tensor and return its index.  ``data`` makes it a constant, ``variable`` a
        variable tensor (persistent state: ``data``, if given, is its initial value). ``buffer``
        writes that buffer index as is (for malformed models: one out of range).

        ``scale``/``zero_point`` of length 1 (or scalars) are per-tensor,
        longer ones per-channel along ``quantized_dimension``.
        """
        if dtype not in DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}")
        shape = tuple(int(d) for d in shape)
        if data is not None:
            data = np.asarray(data)
            if data.size != int(np.prod(shape, dtype=np.int64)):
                raise ValueError(f"tensor {name!r}: data has {data.size} elements, shape {shape} needs "
                                 f"{int(np.prod(shape))}")
            data = np.ascontiguousarray(data.reshape(shape), dtype=DTYPES[dtype][1])
        if scale is not None:
            scale = np.atleast_1d(np.asarray(scale, dtype=np.float32))
            zp = np.zeros(scale.size) if zero_point is None else zero_point
            zero_point = np.atleast_1d(np.asarray(zp, dtype=np.int64))
            if zero_point.size != scale.size:
                raise ValueError(f"tensor {name!r}: {scale.size} scales but {zero_point.size} zero points")
        elif zero_point is not None:
            raise ValueError(f"tensor {name!r}: zero_point without scale")
        self.tensors.append(_Tensor(name, shape, dtype, data, scale, zero_point, quantized_dimension, variable, buffer))
        return len(self.tensors) - 1

    def add_op(self, op: str, inputs: Sequence[int | None], outputs: Sequence[int], *, opcode_index: int | None = None,
               **options: Any) -> int:
        """Add a builtin operator; ``options`` are the keyword arguments of its writer in OPS, or for
        any other builtin its schema fields in snake_case (see ``_generic_op``). ``opcode_index``
        writes that operator code index as is (for malformed models: one out of range)."""
        if op in OPS:
            code, options_type, writer = OPS[op]
            try:
                fields = writer(**options)
            except TypeError as e:
                raise TypeError(f"{op}: {e}") from None
        else:
            code, options_type, fields = _generic_op(op, **options)
        ins = [-1 if i is None else int(i) for i in inputs]
        self.ops.append(_Op(code, ins, [int(o) for o in outputs], options_type, fields, opcode_index))
        return len(self.ops) - 1

    def set_io(self, inputs: Sequence[int], outputs: Sequence[int]) -> None:
        self.inputs, self.outputs = [int(i) for i in inputs], [int(o) for o in outputs]

    # -- serialisation --------------------------------------------------------

    def finish(self) -> bytes:
        fb = flatbuffers.Builder(1024)
        graphs = [self, *self.subgraphs]
        buffers = self._write_buffers(fb, graphs)
        codes = sorted({op.code for g in graphs for op in g.ops})
        subgraphs = [g._write_subgraph(fb, buffers[k], codes) for k, g in enumerate(graphs)]

        opcode_tables = []
        for code in codes:
            tflite.OperatorCodeStart(fb)
            tflite.OperatorCodeAddDeprecatedBuiltinCode(fb, min(code, 127))
            tflite.OperatorCodeAddBuiltinCode(fb, code)
            tflite.OperatorCodeAddVersion(fb, 1)
            opcode_tables.append(tflite.OperatorCodeEnd(fb))

        description = fb.CreateString(self.description)
        codes_vec = _offsets(fb, tflite.ModelStartOperatorCodesVector, opcode_tables)
        subgraphs_vec = _offsets(fb, tflite.ModelStartSubgraphsVector, subgraphs)
        buffers_vec = _offsets(fb, tflite.ModelStartBuffersVector, buffers[-1])
        tflite.ModelStart(fb)
        tflite.ModelAddVersion(fb, 3)
        tflite.ModelAddOperatorCodes(fb, codes_vec)
        tflite.ModelAddSubgraphs(fb, subgraphs_vec)
        tflite.ModelAddDescription(fb, description)
        tflite.ModelAddBuffers(fb, buffers_vec)
        fb.Finish(tflite.ModelEnd(fb), file_identifier=b"TFL3")
        return bytes(fb.Output())

    def _write_subgraph(self, fb: flatbuffers.Builder, buffer_index: dict[int, int], codes: list[int]) -> int:
        tensors = [self._write_tensor(fb, t, buffer_index.get(i, 0) if t.buffer is None else t.buffer)
                   for i, t in enumerate(self.tensors)]
        operators = [self._write_op(fb, op, codes.index(op.code) if op.opcode_index is None else op.opcode_index)
                     for op in self.ops]
        name = fb.CreateString(self.subgraph_name)
        tensors_vec = _offsets(fb, tflite.SubGraphStartTensorsVector, tensors)
        inputs_vec = fb.CreateNumpyVector(np.asarray(self.inputs, dtype=np.int32))
        outputs_vec = fb.CreateNumpyVector(np.asarray(self.outputs, dtype=np.int32))
        ops_vec = _offsets(fb, tflite.SubGraphStartOperatorsVector, operators)
        tflite.SubGraphStart(fb)
        tflite.SubGraphAddTensors(fb, tensors_vec)
        tflite.SubGraphAddInputs(fb, inputs_vec)
        tflite.SubGraphAddOutputs(fb, outputs_vec)
        tflite.SubGraphAddOperators(fb, ops_vec)
        tflite.SubGraphAddName(fb, name)
        return tflite.SubGraphEnd(fb)

    @staticmethod
    def _write_buffers(fb: flatbuffers.Builder, graphs: list["TFLiteBuilder"]) -> list:
        """Per subgraph {tensor index: buffer index}, then (last) the buffer tables of them all."""
        tflite.BufferStart(fb)
        buffers = [tflite.BufferEnd(fb)]  # buffer 0: the empty sentinel
        indices = []
        for g in graphs:
            index: dict[int, int] = {}
            for i, t in enumerate(g.tensors):
                if t.data is None:
                    continue
                raw = np.frombuffer(t.data.astype(t.data.dtype.newbyteorder("<")).tobytes(), dtype=np.uint8)
                fb.Prep(16, raw.size)  # align the payload to 16 bytes, as the TFLite converter does
                data_vec = fb.CreateNumpyVector(raw)
                tflite.BufferStart(fb)
                tflite.BufferAddData(fb, data_vec)
                buffers.append(tflite.BufferEnd(fb))
                index[i] = len(buffers) - 1
            indices.append(index)
        return [*indices, buffers]

    def _write_tensor(self, fb: flatbuffers.Builder, t: _Tensor, buffer: int) -> int:
        name = fb.CreateString(t.name)
        shape = fb.CreateNumpyVector(np.asarray(t.shape, dtype=np.int32))
        quant = None
        if t.scale is not None:
            scale_vec = fb.CreateNumpyVector(t.scale.astype(np.float32))
            zp_vec = fb.CreateNumpyVector(t.zero_point.astype(np.int64))
            tflite.QuantizationParametersStart(fb)
            tflite.QuantizationParametersAddScale(fb, scale_vec)
            tflite.QuantizationParametersAddZeroPoint(fb, zp_vec)
            tflite.QuantizationParametersAddQuantizedDimension(fb, t.quantized_dimension)
            quant = tflite.QuantizationParametersEnd(fb)
        tflite.TensorStart(fb)
        tflite.TensorAddShape(fb, shape)
        tflite.TensorAddType(fb, DTYPES[t.dtype][0])
        tflite.TensorAddBuffer(fb, buffer)
        tflite.TensorAddName(fb, name)
        if quant is not None:
            tflite.TensorAddQuantization(fb, quant)
        if t.variable:
            tflite.TensorAddIsVariable(fb, True)
        return tflite.TensorEnd(fb)

    def _write_op(self, fb: flatbuffers.Builder, op: _Op, opcode_index: int) -> int:
        inputs = fb.CreateNumpyVector(np.asarray(op.inputs, dtype=np.int32))
        outputs = fb.CreateNumpyVector(np.asarray(op.outputs, dtype=np.int32))
        options = _write_table(fb, op.options_type, op.options) if op.options_type else None
        tflite.OperatorStart(fb)
        tflite.OperatorAddOpcodeIndex(fb, opcode_index)
        tflite.OperatorAddInputs(fb, inputs)
        tflite.OperatorAddOutputs(fb, outputs)
        if options is not None:
            tflite.OperatorAddBuiltinOptionsType(fb, getattr(tflite.BuiltinOptions, op.options_type))
            tflite.OperatorAddBuiltinOptions(fb, options)
        return tflite.OperatorEnd(fb)


def _write_table(fb: flatbuffers.Builder, table: str, fields: dict[str, Any]) -> int:
    """Write a flat options table via ``tflite.<table>Start/Add<Field>/End``; arrays become vectors, str strings."""
    values = {k: fb.CreateNumpyVector(v) if isinstance(v, np.ndarray) else fb.CreateString(v) if isinstance(v, str) else v
              for k, v in fields.items()}
    getattr(tflite, f"{table}Start")(fb)
    for field, value in values.items():
        getattr(tflite, f"{table}Add{field}")(fb, value)
    return getattr(tflite, f"{table}End")(fb)


def _offsets(fb: flatbuffers.Builder, start_vector: Callable, offsets: list[int]) -> int:
    start_vector(fb, len(offsets))
    for off in reversed(offsets):
        fb.PrependUOffsetTRelative(off)
    return fb.EndVector()


# --------------------------------------------------------------------------
# Reading back
# --------------------------------------------------------------------------

@dataclass
class TensorSpec:
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: np.ndarray | None  # None when not quantised
    zero_point: np.ndarray | None


def _spec(t: tflite.Tensor) -> TensorSpec:
    q = t.Quantization()
    scale = zp = None
    if q is not None and q.ScaleLength() > 0:
        scale, zp = q.ScaleAsNumpy().astype(np.float32), q.ZeroPointAsNumpy().astype(np.int64)
    shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    return TensorSpec((t.Name() or b"").decode(), shape, _DTYPE_BY_CODE[t.Type()], scale, zp)


def read_io(model: bytes) -> tuple[list[TensorSpec], list[TensorSpec]]:
    """Specs of the first subgraph's inputs and outputs, in model order."""
    m = tflite.Model.GetRootAsModel(model, 0)
    g = m.Subgraphs(0)
    return ([_spec(g.Tensors(int(i))) for i in g.InputsAsNumpy()],
            [_spec(g.Tensors(int(i))) for i in g.OutputsAsNumpy()])
