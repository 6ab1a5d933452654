"""Malformed ONNX files are a ModelError (never a traceback); unsupported nodes and attributes
are all listed at once, by node name; the CLI reports them in one line."""
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from aot.core.errors import ModelError, UnsupportedError
from aot.frontends import load_model
from tests.onnx.models import MODELS


@pytest.mark.parametrize("data", [b"", b"\x00" * 7, b"garbage that is not protobuf \xff\xfe", (MODELS / "mnist8" / "model.onnx").read_bytes()[:500]])
def test_malformed_is_model_error(data, tmp_path):
    path = tmp_path / "bad.onnx"
    path.write_bytes(data)
    with pytest.raises(ModelError):
        load_model(path)


def test_every_problem_listed_by_node_name(tmp_path):
    x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 4, 8, 8])
    y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)
    w = numpy_helper.from_array(np.ones((4, 4, 3, 3), np.float32), "w")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["a"], name="conv_ok", pads=[1, 1, 1, 1]),
        helper.make_node("LRN", ["a"], ["b"], name="my_lrn", size=3),
        helper.make_node("MaxPool", ["a"], ["c"], name="pool_dilated", kernel_shape=[2, 2], dilations=[2, 2]),
        helper.make_node("Hardmax", ["c"], ["d"], name="hardmax1"),
        helper.make_node("Add", ["b", "d"], ["y"], name="add"),
    ]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y], [w]), opset_imports=[helper.make_opsetid("", 20)])
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    with pytest.raises(UnsupportedError) as e:
        load_model(path)
    where = [p[0] for p in e.value.problems]
    assert where == ["my_lrn", "pool_dilated", "hardmax1"], e.value.problems  # not the downstream Add
    run = subprocess.run([sys.executable, "-m", "aot", "compile", str(path), "-o", str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "my_lrn" in run.stderr


def test_symbolic_batch_becomes_one():
    g = load_model(MODELS / "tfl_helloworld.onnx")
    assert g.tensor(g.inputs[0]).shape == (1, 1) and g.tensor(g.outputs[0]).shape == (1, 1)
