"""ONNX models on the emulated Cortex-M4: mnist-8 against its shipped outputs, and an int8 QDQ
model bit-exact with the NumPy reference."""
import pytest

from aot.driver.compiler import compile_file
from aot.driver.runner import run_on_board
from aot.target.boards import load_board
from tests.onnx.models import MODELS, assert_float_close, quantize_qdq, read_pb

pytestmark = pytest.mark.qemu


def test_mnist8_on_qemu(tmp_path):
    cm = compile_file(MODELS / "mnist8" / "model.onnx")
    data = MODELS / "mnist8" / "test_data_set_0"
    result = run_on_board(cm, load_board("qemu-mps2-an386"), {cm.graph.inputs[0]: read_pb(data / "input_0.pb")}, build_dir=tmp_path)
    assert result.match
    assert_float_close(next(iter(result.outputs.values())), read_pb(data / "output_0.pb"), "qemu", rtol=1e-3)


def test_qdq_model_on_qemu(tmp_path):
    import numpy as np

    path = quantize_qdq(MODELS / "atmega_mnist_simplified.onnx", tmp_path / "qdq.onnx", (1, 1, 14, 14))
    cm = compile_file(path)
    x = np.random.default_rng(0).uniform(0, 1, (1, 1, 14, 14)).astype(np.float32)
    result = run_on_board(cm, load_board("qemu-mps2-an386"), {cm.graph.inputs[0]: x}, build_dir=tmp_path / "build")
    assert result.match and result.max_abs_diff == 0.0
