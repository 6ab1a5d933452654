"""ONNX shape arithmetic folded at import (Shape -> Gather -> Unsqueeze -> Concat -> Reshape as
PyTorch exports a view, ConstantOfShape, Range): the graph keeps only the runtime ops, and
matches onnxruntime in the reference and on the host."""
import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from aot.driver.compiler import compile_graph, prepare
from aot.driver.reference import run_graph
from aot.driver.runner import run_on_board
from aot.frontends.onnx import import_model
from aot.target.boards import load_board
from tests.onnx.models import assert_float_close

I64 = lambda *v: np.array(v, np.int64)  # noqa: E731


def _model(nodes, x_shape, consts, opset=17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, x_shape)],
                              [helper.make_empty_tensor_value_info("y")],
                              [numpy_helper.from_array(v, n) for n, v in consts.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _check(model: onnx.ModelProto, x: np.ndarray, kinds: list[str], tmp_path) -> None:
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


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 6, 2)])
def test_view_of_size_folds(shape, tmp_path):
    """y = x.view(x.size(0), -1).exp(): the shape chain folds, a reshape view remains."""
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["new_shape"], axis=0),
             helper.make_node("Reshape", ["x", "new_shape"], ["r"]),
             helper.make_node("Exp", ["r"], ["y"])]
    x = np.random.default_rng(len(shape)).uniform(-1, 1, shape).astype(np.float32)
    _check(_model(nodes, shape, {"zero": I64(0).reshape(()), "ax0": I64(0), "minus1": I64(-1)}), x, ["reshape", "unary"], tmp_path)


def test_shape_start_end_and_constant_of_shape_fold(tmp_path):
    """y = x + ConstantOfShape(Shape(x)[1:]) of 0.5 (broadcast over the first axis)."""
    nodes = [helper.make_node("Shape", ["x"], ["s"], start=1),
             helper.make_node("ConstantOfShape", ["s"], ["c"], value=numpy_helper.from_array(np.array([0.5], np.float32))),
             helper.make_node("Add", ["x", "c"], ["y"])]
    x = np.random.default_rng(1).uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    _check(_model(nodes, (2, 3, 4), {}), x, ["add"], tmp_path)


def test_range_folds(tmp_path):
    """y = x * Range(0, Shape(x)[-1], 1) cast to float."""
    nodes = [helper.make_node("Shape", ["x"], ["s"], start=-1),
             helper.make_node("Squeeze", ["s"], ["n"]),
             helper.make_node("Range", ["zero", "n", "one"], ["r"]),
             helper.make_node("Cast", ["r"], ["rf"], to=onnx.TensorProto.FLOAT),
             helper.make_node("Mul", ["x", "rf"], ["y"])]
    x = np.random.default_rng(2).uniform(-1, 1, (3, 5)).astype(np.float32)
    _check(_model(nodes, (3, 5), {"zero": I64(0).reshape(()), "one": I64(1).reshape(())}), x, ["binary"], tmp_path)
