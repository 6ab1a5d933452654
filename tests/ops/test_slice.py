"""SLICE (ONNX Slice and Split): reference vs onnxruntime, C vs reference, negative steps."""
import numpy as np
import pytest

from tests.ops.onnx_single import check_node, rand


@pytest.mark.parametrize("seed", range(4))
def test_slice(seed, tmp_path):
    rng = np.random.default_rng(seed)
    x = rand(rng, (3, 7, 6))
    steps = np.array([1, -2 if seed % 2 else 2, 1], np.int64)
    starts = np.array([0, 6 if seed % 2 else 1, -4], np.int64)
    ends = np.array([2, 0 if seed % 2 else 7, 100], np.int64)
    check_node("slice", "Slice", {"x": x}, {"starts": starts, "ends": ends, "axes": np.arange(3, dtype=np.int64), "steps": steps},
               tmp_path=tmp_path)


def test_split(tmp_path):
    rng = np.random.default_rng(9)
    check_node("slice", "Split", {"x": rand(rng, (2, 9, 3))}, {"split": np.array([2, 3, 4], np.int64)}, tmp_path=tmp_path, n_out=3, axis=1)
