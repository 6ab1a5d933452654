"""CONCATENATION: reference vs onnxruntime, C vs reference, a constant among the inputs."""
import numpy as np
import pytest

from tests.ops.onnx_single import check_node, rand


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_concat(axis, tmp_path):
    rng = np.random.default_rng(axis + 5)
    shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
    for k, s in enumerate(shapes):
        s[axis] = k + 1
    check_node("concat", "Concat", {"a": rand(rng, shapes[0]), "b": rand(rng, shapes[1])}, {"c": rand(rng, shapes[2])},
               tmp_path=tmp_path, axis=axis)
