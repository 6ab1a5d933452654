"""TFLite flatbuffer -> Graph (subgraph 0), using the ``tflite`` package's generated reader.

Fused activations become the ``activation`` attribute, SAME/VALID padding becomes explicit
``pad`` (top, left, bottom, right), and every unsupported operator or feature is collected
and reported at once (UnsupportedError) before anything else happens.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tflite

from aot.core.errors import AotError, ModelError, UnsupportedError
from aot.core.ir import Graph, Op, Quant, Tensor
from aot.frontends.model_checks import check_tensors
from aot.frontends.source import read_source
from aot.frontends.tflite_ops import CONVERTERS
from aot.frontends.tflite_ops.common import ACTIVATIONS, Unsupported
from aot.frontends.validate import check_graph
from aot.ops.window import same_or_valid

_TYPES = {
    tflite.TensorType.FLOAT32: "float32",
    tflite.TensorType.INT8: "int8",
    tflite.TensorType.UINT8: "uint8",
    tflite.TensorType.INT16: "int16",
    tflite.TensorType.INT32: "int32",
    tflite.TensorType.INT64: "int64",
    tflite.TensorType.BOOL: "bool",
}
_TYPE_CODES = {v: k for k, v in _TYPES.items()}
_TYPE_NAMES = {v: k for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}
_OP_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
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
    except AotError:
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
        self._check_indices()
        names = self._tensor_names()
        self.shapes = {
            names[i]: tuple(int(d) for d in self.sg.Tensors(i).ShapeAsNumpy()) if self.sg.Tensors(i).ShapeLength() else ()
            for i in range(self.sg.TensorsLength())
        }
        tensors = {}
        for i in range(self.sg.TensorsLength()):
            t = self._tensor(i, names[i])
            if t is not None:
                tensors[t.name] = t
        self.tensors, self.names = tensors, names
        # the operands' (not e.g. an LSTM's intermediates), before any converter reads them
        used = self._operands(names)
        nonsense = check_tensors(t for name, t in tensors.items() if name in used)
        if nonsense:  # the tensors, not the ops (their converters assume consistent tensors)
            return Graph(tensors, [], *self._io(names), name=self.name), nonsense
        self.resources = self._resource_variables()
        ops = [o for i in range(self.sg.OperatorsLength()) for o in self._op(i, names)]
        g = Graph(tensors, ops, *self._io(names), name=self.name)
        if not self.problems:
            self.problems = check_graph(g)
        return g, self.problems

    def _io(self, names: list[str]) -> tuple[list[str], list[str]]:
        """The names of the graph's inputs and outputs."""
        return ([names[i] for i in self.sg.InputsAsNumpy()] if self.sg.InputsLength() else [],
                [names[i] for i in self.sg.OutputsAsNumpy()] if self.sg.OutputsLength() else [])

    def _operands(self, names: list[str]) -> set[str]:
        """The tensors the operators read or write and the graph's inputs and outputs."""
        used = set().union(*self._io(names))
        for k in range(self.sg.OperatorsLength()):
            op = self.sg.Operators(k)
            indices = [*(op.InputsAsNumpy() if op.InputsLength() else []), *(op.OutputsAsNumpy() if op.OutputsLength() else [])]
            used.update(names[i] for i in indices if i >= 0)
        return used

    def _check_indices(self) -> None:
        """Every index the subgraph holds in range (the reader would wrap a negative one, Python
        style, to the last tensor): tensors of the operators and of the graph's inputs and outputs
        (an operator's absent optional input is -1), buffers, operator codes."""
        n, sg = self.sg.TensorsLength(), self.sg
        for i in range(n):
            buffer = sg.Tensors(i).Buffer()
            if buffer >= self.model.BuffersLength():
                raise ModelError(f"{self.name}: tensor #{i} refers to buffer {buffer}; the model has "
                                 f"{self.model.BuffersLength()}")
        for role, indices in (("input", sg.InputsAsNumpy() if sg.InputsLength() else []),
                              ("output", sg.OutputsAsNumpy() if sg.OutputsLength() else [])):
            for i in indices:
                if not 0 <= i < n:
                    raise ModelError(f"{self.name}: graph {role} tensor index {int(i)} is out of range (0..{n - 1})")
        for k in range(sg.OperatorsLength()):
            op = sg.Operators(k)
            if op.OpcodeIndex() >= self.model.OperatorCodesLength():
                raise ModelError(f"{self.name}: operator #{k} has operator code index {op.OpcodeIndex()}; the model "
                                 f"has {self.model.OperatorCodesLength()}")
            for role, indices, lowest in (("input", op.InputsAsNumpy() if op.InputsLength() else [], -1),
                                          ("output", op.OutputsAsNumpy() if op.OutputsLength() else [], 0)):
                for i in indices:
                    if not lowest <= i < n:
                        raise ModelError(f"{self.name}: operator #{k} {role} tensor index {int(i)} is out of range "
                                         f"(0..{n - 1}{', or -1 for an absent optional input' if lowest else ''})")

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
        if ttype == tflite.TensorType.RESOURCE:  # a VAR_HANDLE's handle: see _resource_variables
            return None
        if ttype not in _TYPES:
            self.problems.append((f"tensor {name!r}", _TYPE_NAMES.get(ttype, str(ttype)), "tensor type is not supported"))
            return None
        dtype = _TYPES[ttype]
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
        if t.IsVariable():
            return Tensor(name, shape, dtype, quant, variable=True, init=data if data is not None else _reset_value(dtype, quant, shape))
        return Tensor(name, shape, dtype, quant, data)

    def _op(self, index: int, names: list[str]) -> list[Op]:
        """The IR ops of flatbuffer operator ``index`` (one, several, or none if folded)."""
        op = self.sg.Operators(index)
        code = self.model.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        opname = _OP_NAMES.get(builtin, f"BUILTIN_{builtin}")
        if builtin == tflite.BuiltinOperator.CUSTOM:
            opname = f"CUSTOM({(code.CustomCode() or b'').decode()})"
        loc = f"#{index}"
        ins = [names[i] if i >= 0 else None for i in op.InputsAsNumpy()] if op.InputsLength() else []
        outs = [names[i] for i in op.OutputsAsNumpy()] if op.OutputsLength() else []
        entry = CONVERTERS.get(opname)
        try:
            if entry is None:
                raise Unsupported("operator is not supported")
            self._temps = 0
            result = entry[0](self, op, ins)
        except Exception as e:  # Unsupported, or operands a converter did not foresee (e.g. a required one absent)
            if not isinstance(e, Unsupported) and os.environ.get("MICROAOT_DEBUG"):
                raise
            why = str(e) if isinstance(e, Unsupported) else (
                f"its operands do not fit the operator ({len(ins)} inputs, absent (-1) at {[k for k, n in enumerate(ins) if n is None]}; "
                f"{len(outs)} outputs)")
            self.problems.append((loc, opname, why))
            return [Op("unsupported", ins, outs, {"op": opname}, name=f"{loc} {opname}")]
        if isinstance(result, tuple):
            kind, attrs, ins = result
            return [Op(kind, ins, outs, attrs, name=f"{loc} {opname}")]
        return [Op(kind, step_ins, step_outs, attrs, name=f"{loc} {opname}") for kind, attrs, step_ins, step_outs in result]

    def _builtin(self, op) -> int:
        code = self.model.OperatorCodes(op.OpcodeIndex())
        return max(code.BuiltinCode(), code.DeprecatedBuiltinCode())

    def _handles(self, sg) -> dict[int, str]:
        """{resource tensor index: the variable's key (container/shared name)} of a subgraph's VAR_HANDLEs."""
        handles = {}
        for k in range(sg.OperatorsLength()):
            op = sg.Operators(k)
            if self._builtin(op) == tflite.BuiltinOperator.VAR_HANDLE and op.OutputsLength() == 1:
                o = self.options(op, tflite.VarHandleOptions)
                container, shared = ((x or b"").decode("utf-8", "replace") for x in (o.Container(), o.SharedName()))
                handles[int(op.Outputs(0))] = f"{container}/{shared}" if container else shared
        return handles

    def _resource_variables(self) -> dict[str, str]:
        """TFLite resource variables as variable tensors (``Tensor.variable``, named "variable
        <container/shared name>"): one per VAR_HANDLE key of the main subgraph, of the type and
        shape of the values assigned to it or read from it, starting from what CALL_ONCE's
        initialisation assigns (zeros if nothing). Returns {handle tensor: variable tensor}."""
        handles = self._handles(self.sg)
        like: dict[str, Tensor] = {}
        for k in range(self.sg.OperatorsLength()):
            op = self.sg.Operators(k)
            builtin = self._builtin(op)
            value = (op.Inputs(1) if builtin == tflite.BuiltinOperator.ASSIGN_VARIABLE and op.InputsLength() == 2 else
                     op.Outputs(0) if builtin == tflite.BuiltinOperator.READ_VARIABLE and op.OutputsLength() == 1 else None)
            key = handles.get(int(op.Inputs(0))) if value is not None and op.InputsLength() else None
            if key is not None and self.names[value] in self.tensors:
                like.setdefault(key, self.tensors[self.names[value]])
        variables = {}
        for key, t in like.items():
            name = f"variable {key}"
            self.tensors[name] = Tensor(name, t.shape, t.dtype, t.quant, variable=True)
            self.shapes[name] = t.shape
            variables[key] = name
        return {self.names[i]: variables[key] for i, key in handles.items() if key in variables}

    def init_values(self, subgraph: int) -> dict[str, np.ndarray]:
        if not 0 < subgraph < self.model.SubgraphsLength():
            raise Unsupported(f"no initialisation subgraph {subgraph}")
        sg = self.model.Subgraphs(subgraph)
        variables = {key: name for name, key in ((v, v.partition(" ")[2]) for v in set(self.resources.values()))}
        handles = self._handles(sg)
        values = {}
        for k in range(sg.OperatorsLength()):
            op = sg.Operators(k)
            builtin = self._builtin(op)
            if builtin == tflite.BuiltinOperator.VAR_HANDLE:
                continue
            if builtin != tflite.BuiltinOperator.ASSIGN_VARIABLE or op.InputsLength() != 2:
                raise Unsupported(f"the initialisation subgraph runs {_OP_NAMES.get(builtin, builtin)}: only "
                                  "VAR_HANDLE and ASSIGN_VARIABLE of constants are supported")
            name = variables.get(handles.get(int(op.Inputs(0)), ""))
            t = sg.Tensors(int(op.Inputs(1)))
            buf = self.model.Buffers(t.Buffer()) if t.Buffer() < self.model.BuffersLength() else None
            if name is None or buf is None or buf.DataLength() == 0 or t.Type() != _TYPE_CODES[self.tensors[name].dtype]:
                raise Unsupported("the initialisation subgraph assigns something other than a constant of a variable's type")
            var = self.tensors[name]
            raw = buf.DataAsNumpy().tobytes()
            if len(raw) != var.nbytes:
                raise Unsupported(f"the initialisation value of {name!r} has {len(raw)} bytes, the variable {var.nbytes}")
            values[name] = np.frombuffer(raw, dtype=var.np_dtype).reshape(var.shape).copy()
        return values

    # -- what converters ask (aot.frontends.tflite_ops.common.Reader) ------------------------------------------------------
    def options(self, op, cls):
        table = op.BuiltinOptions()
        opts = cls()
        if table is not None:
            opts.Init(table.Bytes, table.Pos)
        return opts

    def const(self, ins, i: int, what: str) -> np.ndarray:
        """The data of constant operand ``i`` (``what`` names it in the problem if absent or not constant)."""
        t = self.tensors.get(ins[i]) if i < len(ins) and ins[i] is not None else None
        if t is None or t.data is None:
            raise Unsupported(f"the {what} operand must be a constant tensor")
        return np.asarray(t.data)

    def outs(self, op) -> list[str]:
        return [self.names[i] for i in op.OutputsAsNumpy()] if op.OutputsLength() else []

    def temp(self, like: str, shape) -> str:
        """A new activation tensor of ``shape`` with ``like``'s dtype and quantisation."""
        t = self.tensors.get(like)
        if t is None:
            raise Unsupported(f"tensor {like!r} has an unsupported type")
        self._temps += 1
        name = f"{like}/{self._temps}"
        while name in self.tensors:
            name += "'"
        self.tensors[name] = Tensor(name, tuple(shape), t.dtype, t.quant)
        self.shapes[name] = tuple(shape)
        return name

    def fold(self, name: str, value: np.ndarray) -> list:
        """Tensor ``name`` holds ``value``, computed at compile time: it becomes a constant, or
        (a graph output, which must be written) is copied from one; the IR ops that takes."""
        t = self.tensors.get(name)
        if t is None:
            raise Unsupported(f"tensor {name!r} has an unsupported type")
        value = np.asarray(value).astype(t.np_dtype)
        if value.shape != t.shape:
            raise Unsupported(f"the computed value of shape {list(value.shape)} does not fit tensor {name!r} {list(t.shape)}")
        if name not in [self.names[i] for i in (self.sg.OutputsAsNumpy() if self.sg.OutputsLength() else [])]:
            t.data = value
            return []
        const = self.temp(name, t.shape)
        self.tensors[const].data = value
        return [("reshape", {}, [const], [name])]

    def rank(self, ins) -> int:
        return len(self.shapes[ins[0]])

    def activation(self, opts) -> str:
        act = ACTIVATIONS.get(opts.FusedActivationFunction(), "?")
        if act not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
            raise Unsupported(f"fused activation {act} is not supported")
        return act

    def window(self, opts, ins, kernel, dilation) -> dict:
        x_shape = self.shapes[ins[0]]
        stride = (opts.StrideH(), opts.StrideW())
        padding = _PADDING.get(opts.Padding())
        if padding is None or len(x_shape) != 4:
            raise Unsupported("needs a 4-D NHWC input and SAME or VALID padding")
        oh, top, bottom = same_or_valid(padding, x_shape[1], kernel[0], stride[0], dilation[0])
        ow, left, right = same_or_valid(padding, x_shape[2], kernel[1], stride[1], dilation[1])
        return {"stride": stride, "dilation": dilation, "pad": (top, left, bottom, right), "out_hw": (oh, ow)}


def _reset_value(dtype: str, quant: Quant | None, shape) -> np.ndarray | None:
    """A variable tensor's value at start, as TFLM's ResetVariableTensors sets it: an int8
    variable holds its zero point, every other one zeros (None)."""
    if dtype != "int8" or quant is None or not quant.tensor_zero_point:
        return None
    return np.full(shape, quant.tensor_zero_point, dtype=np.int8)
