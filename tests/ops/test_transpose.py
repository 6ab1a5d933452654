"""TRANSPOSE: reference vs onnxruntime, C vs reference, random ranks and permutations."""
import numpy as np
import pytest

from tests.ops.onnx_single import check_node, rand


@pytest.mark.parametrize("seed", range(4))
def test_transpose(seed, tmp_path):
    rng = np.random.default_rng(seed)
    shape = tuple(int(d) for d in rng.integers(2, 5, size=rng.integers(2, 6)))  # no 1s: else it is a reshape
    perm = [int(p) for p in rng.permutation(len(shape))]
    check_node("transpose", "Transpose", {"x": rand(rng, shape)}, tmp_path=tmp_path, perm=perm)
