"""PAD (constant, edge, reflect): reference vs onnxruntime, C vs reference."""
import numpy as np
import pytest

from tests.ops.onnx_single import check_node, rand


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
def test_pad(mode, tmp_path):
    rng = np.random.default_rng(3)
    pads = np.array([0, 1, 2, 1, 0, 2, 0, 1], np.int64)
    check_node("pad", "Pad", {"x": rand(rng, (1, 3, 4, 5))}, {"pads": pads, "value": np.array(0.5, np.float32)},
               tmp_path=tmp_path, mode=mode)
