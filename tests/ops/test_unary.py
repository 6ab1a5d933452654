"""unary (Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSwish, HardSigmoid, Elu, ...): reference vs
onnxruntime, C (float32 libm) vs reference within aot/driver/runner.py's float tolerance."""
import numpy as np
import pytest

from tests.ops.onnx_single import check_node, rand

CASES = [("Relu", {}), ("LeakyRelu", {"alpha": 0.2}), ("Sigmoid", {}), ("Tanh", {}), ("HardSwish", {}),
         ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}), ("Elu", {"alpha": 0.7}), ("Abs", {}), ("Neg", {}), ("Exp", {}),
         ("Floor", {}), ("Ceil", {})]


@pytest.mark.parametrize("op_type,attrs", CASES, ids=[c[0] for c in CASES])
def test_unary(op_type, attrs, tmp_path):
    rng = np.random.default_rng(len(op_type))
    check_node("unary", op_type, {"x": rand(rng, (2, 3, 5))}, tmp_path=tmp_path, **attrs)


def test_clip(tmp_path):
    rng = np.random.default_rng(1)
    check_node("unary", "Clip", {"x": rand(rng, (4, 6))}, {"lo": np.array(-0.5, np.float32), "hi": np.array(1.0, np.float32)},
               tmp_path=tmp_path)
