"""The state of an ONNX import: the IR tensors and ops made so far, and the helpers node
converters build with (aot/frontends/onnx_ops.py, onnx_nn.py). The node dispatcher is given to
the Builder (aot/frontends/onnx.py: convert_node), so a converter that makes up nodes (QLinear*)
converts them with ``b.convert(node)``.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
from onnx import numpy_helper

from aot.core.ir import DTYPES, Op, Quant, Tensor

_NP_TO_DTYPE = {np.dtype(v): k for k, v in DTYPES.items()}


class Unsupported(Exception):
    """Raised by a node converter: the node (as configured) cannot be imported."""


def inp(node: onnx.NodeProto, i: int) -> str | None:
    """The node's i-th input, or None when it is absent or empty (an omitted optional input)."""
    return node.input[i] if len(node.input) > i and node.input[i] else None


def attributes(node: onnx.NodeProto) -> dict:
    """The node's attributes as Python values (strings decoded, tensors as arrays)."""
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, onnx.TensorProto):
            v = numpy_helper.to_array(v)
        out[a.name] = v
    return out


class Builder:
    """The IR tensors and ops of one import; ``convert(builder, node)`` converts a node
    (aot/frontends/onnx.py: convert_node). ``location`` names the node being converted (the
    ops made meanwhile carry it)."""

    def __init__(self, model: onnx.ModelProto, opset: int, name: str,
                 convert: Callable[[Builder, onnx.NodeProto], None]):
        self.model, self.opset, self.name = model, opset, name
        self._convert = convert
        self.graph = model.graph
        self.tensors: dict[str, Tensor] = {}
        self.ops: list[Op] = []
        self.problems: list[tuple[str, str, str]] = []
        self.infos: dict[str, tuple[tuple[int, ...] | None, str | None]] = {}
        self.location = ""
        self._count = 0
        for vi in [*self.graph.input, *self.graph.value_info, *self.graph.output]:
            self.infos[vi.name] = _info(vi)
        for init in self.graph.initializer:
            try:
                self.add_const(init.name, numpy_helper.to_array(init))
            except Unsupported as e:
                self.problems.append((f"initializer {init.name!r}", "initializer", str(e)))
            except Exception:  # exotic element types (int4, ...) numpy_helper cannot read
                self.problems.append((f"initializer {init.name!r}", "initializer",
                                      f"element type {_type_name(init.data_type)} is not supported"))

    # -- tensors ------------------------------------------------------------------------------
    def add_const(self, name: str, data: np.ndarray, quant: Quant | None = None) -> str:
        data = np.asarray(data)
        if data.dtype == np.bool_:
            data = data.astype(np.uint8)
        if data.dtype not in _NP_TO_DTYPE:
            raise Unsupported(f"constant {name!r} of type {data.dtype} is not supported")
        self.tensors[name] = Tensor(name, data.shape, _NP_TO_DTYPE[data.dtype], quant, np.ascontiguousarray(data).reshape(data.shape))  # 0-D stays 0-D
        return name

    def const(self, name: str) -> np.ndarray | None:
        t = self.tensors.get(name)
        return t.data if t is not None and t.is_const else None

    def require_const(self, name: str, what: str) -> np.ndarray:
        value = self.const(name)
        if value is None:
            raise Unsupported(f"{what} ({name!r}) must be a constant")
        return value

    def shape(self, name: str) -> tuple[int, ...]:
        if name in self.tensors:
            return self.tensors[name].shape
        shape, _ = self.infos.get(name, (None, None))
        if shape is None:
            raise Unsupported(f"the shape of {name!r} could not be inferred")
        return shape

    def dtype(self, name: str) -> str:
        if name in self.tensors:
            return self.tensors[name].dtype
        _, dtype = self.infos.get(name, (None, None))
        if dtype is None:
            raise Unsupported(f"the type of {name!r} is not supported")
        return dtype

    def value(self, name: str, quant: Quant | None = None) -> str:
        """The activation tensor ``name`` (created from the inferred shape on first use)."""
        if name not in self.tensors:
            self.tensors[name] = Tensor(name, self.shape(name), self.dtype(name), quant)
        return name

    def fresh(self, base: str) -> str:
        while True:
            self._count += 1
            name = f"{base}:{self._count}"
            if name not in self.tensors and name not in self.infos:
                return name

    def new(self, base: str, shape, dtype: str, quant: Quant | None = None) -> str:
        name = self.fresh(base)
        self.tensors[name] = Tensor(name, tuple(shape), dtype, quant)
        return name

    # -- ops ----------------------------------------------------------------------------------
    def convert(self, node: onnx.NodeProto) -> None:
        """Convert a node made up by a converter (the float core of a QLinear* node, ...)."""
        self._convert(self, node)

    def emit(self, kind: str, inputs: list[str | None], outputs: list[str], **attrs) -> None:
        self.ops.append(Op(kind, list(inputs), list(outputs), attrs, name=self.location))

    def unary(self, kind: str, x: str, shape, out: str | None = None, dtype: str | None = None, **attrs) -> str:
        """Emit a one-input op writing ``out`` (or a new tensor of ``shape``); returns the output."""
        y = self.value(out) if out is not None else self.new(x, shape, dtype or self.tensors[x].dtype, self.tensors[x].quant)
        self.emit(kind, [x], [y], **attrs)
        return y

    def transpose(self, x: str, perm, out: str | None = None) -> str:
        perm = tuple(int(p) for p in perm)
        data = self.const(x)
        if data is not None and out is None:
            t = self.tensors[x]
            quant = t.quant
            if quant is not None and not quant.per_tensor:
                quant = Quant(quant.scale, quant.zero_point, perm.index(quant.axis))
            return self.add_const(self.fresh(x), data.transpose(perm), quant)
        shape = tuple(self.tensors[x].shape[p] for p in perm)
        return self.unary("transpose", x, shape, out, perm=perm)

    def reshape(self, x: str, shape, out: str | None = None) -> str:
        data = self.const(x)
        if data is not None and out is None and (self.tensors[x].quant is None or self.tensors[x].quant.per_tensor):
            return self.add_const(self.fresh(x), data.reshape(shape), self.tensors[x].quant)
        return self.unary("reshape", x, tuple(shape), out)


def _type_name(data_type: int) -> str:
    try:
        return onnx.TensorProto.DataType.Name(data_type)
    except ValueError:
        return f"#{data_type}"


def _info(vi: onnx.ValueInfoProto) -> tuple[tuple[int, ...] | None, str | None]:
    tt = vi.type.tensor_type
    try:
        dtype = _NP_TO_DTYPE.get(np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type)))
    except Exception:
        dtype = None
    if not tt.HasField("shape") or any(not d.HasField("dim_value") for d in tt.shape.dim):
        return None, dtype
    return tuple(int(d.dim_value) for d in tt.shape.dim), dtype
