"""QDQ forms of ONNX operators (QuantizeLinear / DequantizeLinear around the node, as
onnxruntime.quantization.quantize_static emits them): int8 kernels where the QDQ semantics allow
it exactly, float between the Q/DQ otherwise; the reference within one quantisation step of
onnxruntime, the host C bit-exact with the reference. uint8 activations (QuantType.QUInt8) too."""
import numpy as np
import pytest

from aot.driver.compiler import compile_file
from tests.onnx.models import (
    MODELS,
    onnxruntime_outputs,
    quantize_qdq,
    reference,
    run_host,
)


@pytest.mark.parametrize("name,shape", [("mnist8/model.onnx", (1, 1, 28, 28)), ("atmega_mnist_simplified.onnx", (1, 1, 14, 14))])
def test_uint8_activations_model(name, shape, tmp_path):
    """onnxruntime's QUInt8 activations: the uint8 zero points move by -128 onto our int8 kernels."""
    path = quantize_qdq(MODELS / name, tmp_path / "qdq.onnx", shape, activations="QUInt8")
    g = compile_file(path).graph
    kernels = [op for op in g.ops if op.kind in ("conv2d", "fully_connected")]
    assert kernels and all(g.tensor(op.inputs[0]).dtype == "int8" for op in kernels), "QDQ not folded into int8 kernels"
    out_scale = g.tensor(g.ops[-1].inputs[0]).quant.tensor_scale
    rng = np.random.default_rng(3)
    for _ in range(5):
        feeds = {g.inputs[0]: rng.uniform(0, 1, shape).astype(np.float32)}
        got, want = reference(path, feeds)[0], onnxruntime_outputs(path, feeds)[0]
        assert np.abs(got - want).max() <= out_scale * 1.001, "more than one quantisation step from onnxruntime"
    assert run_host(path, feeds, tmp_path / "build").max_abs_diff == 0.0
