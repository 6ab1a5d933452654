"""Helpers of the ONNX op tests: the problems the compiler lists for a single-node model (import,
passes, the ops' checks); a small graph of float input "x" and output "y", checked against
onnxruntime in the reference and the host C."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from aot.driver.compiler import compile_graph, prepare
from aot.driver.reference import run_graph
from aot.driver.runner import run_on_board
from aot.frontends.onnx import import_model
from aot.target.boards import load_board
from tests.onnx.models import assert_float_close
from tests.ops.onnx_single import node_model


def problems(op_type: str, inputs: dict[str, np.ndarray], consts=None, **attrs) -> list[str]:
    """The reasons given for the node, in order ([] when it compiles)."""
    g, found = import_model(node_model(op_type, inputs, consts or {}, **attrs), op_type)
    if not found:
        _, found = prepare(g)
    return [p[2] for p in found]


def graph_model(nodes, x_shape, consts, opset=17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, x_shape)],
                              [helper.make_empty_tensor_value_info("y")],
                              [numpy_helper.from_array(v, n) for n, v in consts.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def check_graph(model: onnx.ModelProto, x: np.ndarray, kinds: list[str], tmp_path) -> None:
    """Only ``kinds`` run; the reference and the host C match onnxruntime."""
    import onnxruntime as ort

    g, problems = import_model(model, "m")
    assert not problems, problems
    g, problems = prepare(g)
    assert not problems, problems
    assert [op.kind for op in g.ops] == kinds
    want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    got = run_graph(g, {"x": x})[g.outputs[0]]
    assert got.shape == want.shape
    assert_float_close(got, want, "reference")
    result = run_on_board(compile_graph(g, tmp_path / "m.onnx", "m"), load_board("host"), {"x": x}, build_dir=tmp_path)
    assert result.match
