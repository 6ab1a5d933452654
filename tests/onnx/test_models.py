"""Real ONNX models through the NumPy reference and the generated C on the host:
mnist-8 against its shipped test data, the others against onnxruntime, and an int8 QDQ model
made by onnxruntime's static quantisation within one quantisation step of onnxruntime."""
import numpy as np
import pytest

from aot.driver.compiler import compile_file
from tests.onnx.models import MODELS, assert_float_close, onnxruntime_outputs, quantize_qdq, read_pb, reference, run_host

MNIST = MODELS / "mnist8" / "model.onnx"


@pytest.mark.parametrize("k", range(3))
def test_mnist8_matches_shipped_outputs(k, tmp_path):
    data = MODELS / "mnist8" / f"test_data_set_{k}"
    x, want = read_pb(data / "input_0.pb"), read_pb(data / "output_0.pb")
    feeds = {compile_file(MNIST).graph.inputs[0]: x}
    assert_float_close(reference(MNIST, feeds)[0], want, "reference", rtol=1e-3)
    result = run_host(MNIST, feeds, tmp_path)
    assert_float_close(next(iter(result.outputs.values())), want, "C", rtol=1e-3)


def test_mnist8_has_no_runtime_transpose():
    kinds = [op.kind for op in compile_file(MNIST).graph.ops]
    assert "transpose" not in kinds and kinds.count("conv2d") == 2 and "add" not in kinds  # bias adds folded


@pytest.mark.parametrize("name", ["tfl_helloworld.onnx", "atmega_mnist_simplified.onnx"])
def test_model_matches_onnxruntime(name, tmp_path):
    path = MODELS / name
    g = compile_file(path).graph
    rng = np.random.default_rng(1)
    feeds = {n: rng.uniform(-1, 1, g.tensor(n).shape).astype(np.float32) for n in g.inputs}
    want = onnxruntime_outputs(path, feeds)
    for got, w in zip(reference(path, feeds), want):
        assert_float_close(got, w, f"{name} reference")
    run_host(path, feeds, tmp_path)


@pytest.mark.parametrize("name,shape", [("atmega_mnist_simplified.onnx", (1, 1, 14, 14)), ("mnist8/model.onnx", (1, 1, 28, 28))])
def test_qdq_int8_model(name, shape, tmp_path):
    path = quantize_qdq(MODELS / name, tmp_path / "qdq.onnx", shape)
    g = compile_file(path).graph
    kernels = [op for op in g.ops if op.kind in ("conv2d", "fully_connected")]
    assert kernels and all(g.tensor(op.inputs[0]).dtype == "int8" for op in kernels), "QDQ not folded into int8 kernels"
    out_scale = g.tensor(g.ops[-1].inputs[0]).quant.tensor_scale  # the final dequantize
    rng = np.random.default_rng(2)
    for _ in range(5):
        feeds = {g.inputs[0]: rng.uniform(0, 1, shape).astype(np.float32)}
        got, want = reference(path, feeds)[0], onnxruntime_outputs(path, feeds)[0]
        assert np.abs(got - want).max() <= out_scale * 1.001, "more than one quantisation step from onnxruntime"
    assert run_host(path, feeds, tmp_path / "build").max_abs_diff == 0.0  # int8 C is bit-exact
