"""The default opset domain may be spelled "ai.onnx"; what the importer cannot handle is reported
by node name and operator, never with an internal exception's text."""
import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from aot.core.errors import ModelError, UnsupportedError
from aot.driver.reference import run_graph
from aot.frontends import load_model
from aot.frontends import onnx as onnx_frontend


def _save(tmp_path, nodes, opsets, inits=(), shape=(1, 6)):
    x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, list(shape))
    y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y], list(inits)), opset_imports=opsets)
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("domain", ["ai.onnx", ""])
def test_ai_onnx_is_the_default_domain(domain, tmp_path):
    """Opset 13 under "ai.onnx": Split reads its sizes from an input (opset >= 13; as opset 0 it
    was refused as too old), and a constant Add folds (its node also in domain "ai.onnx")."""
    nodes = [helper.make_node("Add", ["c1", "c2"], ["c"], name="fold", domain=domain),
             helper.make_node("Mul", ["x", "c"], ["m"], name="mul", domain=domain),
             helper.make_node("Split", ["m", "sizes"], ["y", "rest"], name="split", axis=1, domain=domain)]
    inits = [numpy_helper.from_array(np.full((1, 6), 2.0, np.float32), "c1"),
             numpy_helper.from_array(np.full((1, 6), 1.5, np.float32), "c2"),
             numpy_helper.from_array(np.array([2, 4], np.int64), "sizes")]
    g = load_model(_save(tmp_path, nodes, [helper.make_opsetid(domain, 13)], inits))
    assert g.tensor(g.outputs[0]).shape == (1, 2)
    x = np.arange(6, dtype=np.float32).reshape(1, 6)
    np.testing.assert_allclose(run_graph(g, {"x": x})[g.outputs[0]], x[:, :2] * 3.5)


def test_old_opset_under_ai_onnx_is_still_refused(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    with pytest.raises(ModelError, match="opset 6 is older"):
        load_model(_save(tmp_path, nodes, [helper.make_opsetid("ai.onnx", 6)]))


def _problems(path):
    with pytest.raises(UnsupportedError) as e:
        load_model(path)
    return e.value.problems


def test_a_converter_failure_is_reported_by_node_without_its_text(tmp_path, monkeypatch):
    """A converter that fails in a way it did not foresee (an importer bug): the node and its
    operator are named, the exception's type and text are not; MICROAOT_DEBUG=1 raises it."""
    def broken(b, node, attrs):
        raise KeyError("internal detail 0x5f")

    monkeypatch.setitem(onnx_frontend.CONVERTERS, "Relu", (broken, ()))
    path = _save(tmp_path, [helper.make_node("Relu", ["x"], ["y"], name="my_relu")], [helper.make_opsetid("", 13)])
    (where, op, why), = _problems(path)
    assert (where, op) == ("my_relu", "Relu")
    assert "internal detail" not in why and "KeyError" not in why and "cannot convert this node" in why
    monkeypatch.setenv("MICROAOT_DEBUG", "1")
    with pytest.raises(KeyError):
        load_model(path)


def test_a_constant_node_that_cannot_be_evaluated_is_named(tmp_path):
    """An unknown operator with constant inputs: named, and why, without onnx.reference's text."""
    nodes = [helper.make_node("NoSuchOp", ["c1"], ["c"], name="odd"),
             helper.make_node("Mul", ["x", "c"], ["y"], name="mul")]
    inits = [numpy_helper.from_array(np.ones((1, 6), np.float32), "c1")]
    (where, op, why), = _problems(_save(tmp_path, nodes, [helper.make_opsetid("", 13)], inits))
    assert (where, op) == ("odd", "NoSuchOp") and "not supported" in why
    assert "Error" not in why and "Exception" not in why


def test_not_onnx_says_so_without_protobuf_text(tmp_path):
    path = tmp_path / "bad.onnx"
    path.write_bytes(b"garbage that is not protobuf \xff\xfe")
    with pytest.raises(ModelError) as e:
        load_model(path)
    assert "not an ONNX model" in str(e.value) and "DecodeError" not in str(e.value)
