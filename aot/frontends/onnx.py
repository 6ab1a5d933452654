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

import os
from pathlib import Path

import numpy as np
import onnx
import onnx.defs
import onnx.inliner
from onnx.reference import ReferenceEvaluator

from aot.core.errors import AotError, ModelError, UnsupportedError
from aot.core.ir import Graph, Op
from aot.frontends.onnx_builder import Builder, Unsupported, attributes
from aot.frontends.onnx_nn import NN_CONVERTERS
from aot.frontends.onnx_ops import CONVERTERS, elementwise_shape
from aot.frontends.source import read_source

MIN_OPSET = 7
_DEFAULT_DOMAIN = {"ai.onnx": ""}  # "ai.onnx" is another name of the default domain ""
# Nodes never evaluated at import even with constant inputs: the QDQ pass needs them.
_KEEP = {"DequantizeLinear"}


class _Downstream(Exception):
    """A node reads the output of a node already reported unsupported."""


def read_onnx(source: bytes | str | Path) -> tuple[Graph, list[tuple[str, str, str]]]:
    """Read a model and list its problems instead of raising on them."""
    data, name = read_source(source)
    if name == "model" and isinstance(source, (str, Path)):  # the ONNX model zoo's dir/model.onnx
        name = Path(source).resolve().parent.name or name
    try:
        model = onnx.load_model_from_string(data)
    except Exception:  # protobuf decode errors come in several types
        raise ModelError(f"{name}: not an ONNX model (the file does not parse as an ONNX ModelProto)") from None
    try:
        onnx.checker.check_model(model)
        checker = ""
    except Exception as e:  # onnxruntime runs some models the checker refuses (e.g. newer attributes)
        checker = f"; the ONNX checker also says: {_first_line(e)}"
    try:
        return import_model(model, name)
    except AotError:
        raise
    except Exception:
        if _debug():
            raise
        raise ModelError(f"{name}: malformed ONNX model (the importer cannot read its graph){checker}") from None


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else ""


def _debug() -> bool:
    """MICROAOT_DEBUG=1 (the CLI's traceback switch): let an unexpected importer error through."""
    return bool(os.environ.get("MICROAOT_DEBUG"))


def load_onnx(source: bytes | str | Path) -> Graph:
    g, problems = read_onnx(source)
    if problems:
        raise UnsupportedError(problems)
    return g


def import_model(model: onnx.ModelProto, name: str = "model") -> tuple[Graph, list[tuple[str, str, str]]]:
    """ModelProto -> (Graph, problems): the graph as imported, in ONNX's semantics, and the
    nodes, attributes and types the importer cannot take. The ops' own checks come after the
    passes (aot.driver.compiler.prepare): before them a QDQ model's conv reads dequantized weights,
    which no kernel takes and the QDQ pass turns into int8 weights."""
    _check_names(model.graph, name)
    opset = _opsets(model).get("", 0)
    if opset < MIN_OPSET:
        raise ModelError(f"{name}: opset {opset} is older than the oldest supported ({MIN_OPSET})")
    try:
        model = onnx.inliner.inline_local_functions(model)
        _default_domain_as_empty(model)
        _fix_input_dims(model.graph)
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as e:  # ONNX's own diagnostic of the model (it names the node)
        raise ModelError(f"{name}: ONNX shape inference failed: {_first_line(e)}") from None
    b = Builder(model, opset, name, convert_node)
    return _convert_graph(b), b.problems


def _check_names(graph: onnx.GraphProto, name: str) -> None:
    """Every tensor name valid UTF-8 (protobuf hands an invalid one over as bytes, not str)."""
    places = [("graph input", [vi.name for vi in graph.input]), ("graph output", [vi.name for vi in graph.output]),
              ("initializer", [t.name for t in graph.initializer]), ("value_info", [vi.name for vi in graph.value_info]),
              *((f"node {node.name or '#' + str(i)!r} ({node.op_type})", [*node.input, *node.output])
                for i, node in enumerate(graph.node))]
    for where, names in places:
        for n in names:
            if not isinstance(n, str):
                raise ModelError(f"{name}: a tensor name of {where} is not valid UTF-8 ({n!r})")


def _opsets(model: onnx.ModelProto) -> dict[str, int]:
    """Opset version by domain, the default domain as "" whether it was written "" or "ai.onnx"."""
    return {_DEFAULT_DOMAIN.get(o.domain, o.domain): o.version for o in model.opset_import}


def _default_domain_as_empty(model: onnx.ModelProto) -> None:
    """Spell the default domain "" throughout (opset imports, nodes): shape inference and
    onnx.reference know it only by that name."""
    versions = _opsets(model)
    del model.opset_import[:]
    for domain, version in versions.items():
        model.opset_import.add(domain=domain, version=version)
    for node in model.graph.node:
        node.domain = _DEFAULT_DOMAIN.get(node.domain, node.domain)


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


def _convert_graph(b: Builder) -> Graph:
    """Every node in order; a node that cannot be converted becomes an "unsupported" op and its
    problem is listed (its consumers then list only their own operator / attribute problems)."""
    graph = b.graph
    inits = {t.name for t in graph.initializer}
    inputs, failed = [], set()
    for vi in graph.input:
        if vi.name in inits:
            continue
        try:
            inputs.append(b.value(vi.name))
        except Unsupported as e:
            b.problems.append((f"input {vi.name!r}", "input", str(e)))
        except Exception:
            if _debug():
                raise
            b.problems.append((f"input {vi.name!r}", "input", "the importer cannot read this input's type or shape"))
    for i, node in enumerate(graph.node):
        b.location = f"{node.name or '#' + str(i)} {node.op_type}"
        try:
            if any(n in failed for n in node.input):  # downstream of a reported problem
                converter(node, attributes(node))  # still report its own operator / attributes
                raise _Downstream()
            convert_node(b, node)
        except Exception as e:  # Unsupported, _Downstream, or a case a converter did not foresee
            if not isinstance(e, (Unsupported, _Downstream)) and _debug():
                raise
            failed.update(node.output)
            if not isinstance(e, _Downstream):
                b.problems.append((node.name or f"#{i}", node.op_type, _reason(e)))
            b.ops.append(Op("unsupported", [n for n in node.input if n in b.tensors],
                            [n for n in node.output if n in b.tensors], {"op": node.op_type}, name=b.location))
    outputs = [vi.name for vi in graph.output]
    for name in outputs:
        if name in failed:
            continue
        if name not in b.tensors:
            b.problems.append((f"output {name!r}", "output", "no supported node computes this output"))
        elif b.tensors[name].is_const:
            b.problems.append((f"output {name!r}", "output", "the output is a constant"))
    return Graph(b.tensors, b.ops, inputs, outputs, name=b.name)


def _reason(e: Exception) -> str:
    """An Unsupported's reason; for anything else (an importer bug) a plain statement, never the
    exception's text (MICROAOT_DEBUG=1 raises it instead)."""
    if isinstance(e, Unsupported):
        return str(e)
    return "the importer cannot convert this node as configured (its inputs, shapes or attributes)"


# -- node dispatch ---------------------------------------------------------------------------------
def convert_node(b: Builder, node: onnx.NodeProto) -> None:
    """Convert one node: evaluated at once when all its inputs are constants (Shape: when its
    input's shape is known), else by its converter (onnx_ops.CONVERTERS, onnx_nn.NN_CONVERTERS)."""
    if node.domain not in ("", "ai.onnx"):
        raise Unsupported(f"operators of domain {node.domain!r} are not supported")
    _check_operands(node, b.opset)
    attrs = attributes(node)
    ins = [n for n in node.input if n]
    if node.op_type == "Shape" or (node.op_type not in _KEEP and all(b.const(n) is not None for n in ins)):
        return _fold(b, node, attrs)
    fn = converter(node, attrs)
    elementwise_shape(b, node)
    missing = [n for n in ins if n not in b.tensors]
    if missing:
        raise Unsupported(f"input(s) {missing} are not computed by any node")
    fn(b, node, attrs)


def _check_operands(node: onnx.NodeProto, opset: int) -> None:
    """As many inputs as the operator's schema allows, every required one present (an optional
    one may be absent: ""), each attribute of its type. Unknown operators are left to ``converter``."""
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, node.domain)
    except onnx.defs.SchemaError:
        return
    if len(node.input) > schema.max_input:
        raise Unsupported(f"{len(node.input)} inputs; {node.op_type} takes at most {schema.max_input} (its "
                          f"attributes, such as axis, are not inputs)")
    for a in node.attribute:
        formal = schema.attributes.get(a.name)
        if formal is not None and a.type != formal.type:
            raise Unsupported(f"attribute {a.name!r} is given as {onnx.AttributeProto.AttributeType.Name(a.type)}; "
                              f"{node.op_type} takes {onnx.AttributeProto.AttributeType.Name(formal.type)}")
    optional = onnx.defs.OpSchema.FormalParameterOption.Optional
    for k, formal in enumerate(schema.inputs):
        if formal.option != optional and (k >= len(node.input) or not node.input[k]):
            raise Unsupported(f"the required input {formal.name!r} (input {k}) is absent")


def converter(node: onnx.NodeProto, attrs: dict):
    """The node's converter; Unsupported for an unknown operator or attribute."""
    entry = CONVERTERS.get(node.op_type) or NN_CONVERTERS.get(node.op_type)
    if entry is None or node.domain not in ("", "ai.onnx"):
        raise Unsupported("operator is not supported" if node.domain in ("", "ai.onnx") else f"operators of domain {node.domain!r} are not supported")
    fn, known = entry
    unknown = sorted(set(attrs) - set(known))
    if unknown:
        raise Unsupported(f"attribute(s) {unknown} are not supported")
    return fn


def _fold(b: Builder, node: onnx.NodeProto, attrs: dict) -> None:
    """Evaluate a node whose inputs are all constants; Shape only needs the input's shape."""
    if node.op_type == "Shape":
        shape = np.array(b.shape(node.input[0]), dtype=np.int64)
        start, end = attrs.get("start", 0), attrs.get("end", None)
        b.add_const(node.output[0], shape[start:end])
        return
    feeds = {n: b.const(n) for n in node.input if n}
    try:
        model = onnx.helper.make_model(
            onnx.helper.make_graph([node], "fold", [onnx.helper.make_tensor_value_info(n, onnx.helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for n, v in feeds.items()],
                                   [onnx.helper.make_empty_tensor_value_info(o) for o in node.output if o]),
            opset_imports=[onnx.helper.make_opsetid("", b.opset)])
        values = ReferenceEvaluator(model).run(None, feeds)
    except Exception:
        if _debug():
            raise
        known = node.op_type in CONVERTERS or node.op_type in NN_CONVERTERS
        raise Unsupported("its inputs are all constants and evaluating it at compile time (onnx.reference) failed"
                          + ("" if known else "; the operator is not supported otherwise either")) from None
    for name, v in zip([o for o in node.output if o], values):
        b.add_const(name, np.asarray(v))
