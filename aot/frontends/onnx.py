"""ONNX (opsets 7 and newer) -> Graph.

The import keeps ONNX's semantics exactly: tensors stay in ONNX layout (NCHW), and each
convolution or pooling node becomes our NHWC kernel between two explicit transposes. The
passes in aot/passes (run by the compiler, aot.driver.compiler.prepare, as for every frontend) then
fold constants, cancel and sink those transposes (a plain CNN keeps none at run time), fold
BatchNormalization / bias adds into the convolutions, fuse Relu / Clip, and turn
QuantizeLinear/DequantizeLinear pairs into our int8 kernels; the ops' checks run after them.

Before conversion: model-local functions are inlined, symbolic (or unknown) dimensions of
the graph inputs are fixed to 1 (a batch of one) and shapes are inferred; nodes whose
inputs are all constants are evaluated once (onnx.reference), DequantizeLinear excepted.
Every unsupported operator or attribute is listed at once, by node name.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnx.inliner
from onnx import numpy_helper

from aot.core.errors import AotError, ModelError
from aot.core.ir import DTYPES, Graph, Op, Quant, Tensor

MIN_OPSET = 7
_NP_TO_DTYPE = {np.dtype(v): k for k, v in DTYPES.items()}


class Unsupported(Exception):
    """Raised by a node converter: the node (as configured) cannot be imported."""


class _Downstream(Exception):
    """A node reads the output of a node already reported unsupported."""


def read_onnx(source: bytes | str | Path) -> tuple[Graph, list[tuple[str, str, str]]]:
    """Read a model and list its problems instead of raising on them."""
    from aot.frontends import read_source

    data, name = read_source(source)
    if name == "model" and isinstance(source, (str, Path)):  # the ONNX model zoo's dir/model.onnx
        name = Path(source).resolve().parent.name or name
    try:
        model = onnx.load_model_from_string(data)
    except Exception as e:  # protobuf decode errors come in several types
        raise ModelError(f"{name}: not an ONNX model ({type(e).__name__}: {_first_line(e)})") from None
    try:
        onnx.checker.check_model(model)
        checker = ""
    except Exception as e:  # onnxruntime runs some models the checker refuses (e.g. newer attributes)
        checker = f"; the ONNX checker also says: {_first_line(e)}"
    try:
        return import_model(model, name)
    except AotError:
        raise
    except Exception as e:
        raise ModelError(f"{name}: malformed ONNX model ({type(e).__name__}: {_first_line(e)}){checker}") from None


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else ""


def load_onnx(source: bytes | str | Path) -> Graph:
    from aot.core.errors import UnsupportedError

    g, problems = read_onnx(source)
    if problems:
        raise UnsupportedError(problems)
    return g


def import_model(model: onnx.ModelProto, name: str = "model") -> tuple[Graph, list[tuple[str, str, str]]]:
    """ModelProto -> (Graph, problems): the graph as imported, in ONNX's semantics, and the
    nodes, attributes and types the importer cannot take. The ops' own checks come after the
    passes (aot.driver.compiler.prepare): before them a QDQ model's conv reads dequantized weights,
    which no kernel takes and the QDQ pass turns into int8 weights."""
    opset = {o.domain or "": o.version for o in model.opset_import}.get("", 0)
    if opset < MIN_OPSET:
        raise ModelError(f"{name}: opset {opset} is older than the oldest supported ({MIN_OPSET})")
    try:
        model = onnx.inliner.inline_local_functions(model)
        _fix_input_dims(model.graph)
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as e:
        raise ModelError(f"{name}: shape inference failed ({type(e).__name__}: {_first_line(e)})") from None
    b = Builder(model, opset, name)
    return b.build(), b.problems


def _fix_input_dims(graph: onnx.GraphProto) -> None:
    """Symbolic or unknown dimensions of the graph inputs become 1 (we compile for a batch of one)."""
    initializers = {t.name for t in graph.initializer}
    for vi in graph.input:
        if vi.name in initializers or not vi.type.HasField("tensor_type"):
            continue
        for d in vi.type.tensor_type.shape.dim:
            if not d.HasField("dim_value"):
                d.Clear()
                d.dim_value = 1


def attributes(node: onnx.NodeProto) -> dict:
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
    """Converts nodes one by one (aot/frontends/onnx_ops.py) into IR tensors and ops."""

    def __init__(self, model: onnx.ModelProto, opset: int, name: str):
        self.model, self.opset, self.name = model, opset, name
        self.graph = model.graph
        self.tensors: dict[str, Tensor] = {}
        self.ops: list[Op] = []
        self.problems: list[tuple[str, str, str]] = []
        self.infos: dict[str, tuple[tuple[int, ...] | None, str | None]] = {}
        self._loc = ""
        self._count = 0
        for vi in [*self.graph.input, *self.graph.value_info, *self.graph.output]:
            self.infos[vi.name] = _info(vi)
        for init in self.graph.initializer:
            try:
                self.add_const(init.name, numpy_helper.to_array(init))
            except Exception as e:  # exotic element types (float16, int4, ...)
                self.problems.append((f"initializer {init.name!r}", "initializer", f"type not supported ({type(e).__name__}: {e})"))

    # -- tensors ------------------------------------------------------------------------------
    def add_const(self, name: str, data: np.ndarray, quant: Quant | None = None) -> str:
        data = np.asarray(data)
        if data.dtype == np.bool_:
            data = data.astype(np.uint8)
        if data.dtype not in _NP_TO_DTYPE:
            raise Unsupported(f"constant {name!r} of type {data.dtype} is not supported")
        self.tensors[name] = Tensor(name, data.shape, _NP_TO_DTYPE[data.dtype], quant, np.ascontiguousarray(data))
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
    def emit(self, kind: str, inputs: list[str | None], outputs: list[str], **attrs) -> None:
        self.ops.append(Op(kind, list(inputs), list(outputs), attrs, name=self._loc))

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

    # -- the graph ------------------------------------------------------------------------------
    def build(self) -> Graph:
        from aot.frontends.onnx_ops import convert_node, converter

        inits = {t.name for t in self.graph.initializer}
        inputs, failed = [], set()
        for vi in self.graph.input:
            if vi.name in inits:
                continue
            try:
                inputs.append(self.value(vi.name))
            except Unsupported as e:
                self.problems.append((f"input {vi.name!r}", "input", str(e)))
        for i, node in enumerate(self.graph.node):
            self._loc = f"{node.name or '#' + str(i)} {node.op_type}"
            try:
                if any(n in failed for n in node.input):  # downstream of a reported problem
                    converter(node, attributes(node))  # still report its own operator / attributes
                    raise _Downstream()
                convert_node(self, node)
            except (Unsupported, _Downstream) as e:
                failed.update(node.output)
                if isinstance(e, Unsupported):
                    self.problems.append((node.name or f"#{i}", node.op_type, str(e)))
                self.ops.append(Op("unsupported", [n for n in node.input if n in self.tensors],
                                   [n for n in node.output if n in self.tensors], {"op": node.op_type}, name=self._loc))
        outputs = [vi.name for vi in self.graph.output]
        for name in outputs:
            if name in failed:
                continue
            if name not in self.tensors:
                self.problems.append((f"output {name!r}", "output", "no supported node computes this output"))
            elif self.tensors[name].is_const:
                self.problems.append((f"output {name!r}", "output", "the output is a constant"))
        return Graph(self.tensors, self.ops, inputs, outputs, name=self.name)


def _info(vi: onnx.ValueInfoProto) -> tuple[tuple[int, ...] | None, str | None]:
    tt = vi.type.tensor_type
    try:
        dtype = _NP_TO_DTYPE.get(np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type)))
    except Exception:
        dtype = None
    if not tt.HasField("shape") or any(not d.HasField("dim_value") for d in tt.shape.dim):
        return None, dtype
    return tuple(int(d.dim_value) for d in tt.shape.dim), dtype
