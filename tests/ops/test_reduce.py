"""reduce (ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd): reference vs onnxruntime,
C vs reference, with and without keepdims."""
import numpy as np
import pytest

from tests.ops.onnx_single import check_node, rand


@pytest.mark.parametrize("op_type", ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"])
@pytest.mark.parametrize("axes,keepdims", [([1], 1), ([0, 2], 0), ([-1], 1)])
def test_reduce(op_type, axes, keepdims, tmp_path):
    rng = np.random.default_rng(7)
    check_node("reduce", op_type, {"x": rand(rng, (2, 3, 4))}, {"axes": np.array(axes, np.int64)}, opset=18,
               tmp_path=tmp_path, keepdims=keepdims)
