"""binary (Sub, Mul, Div, Max, Min, Pow) with NumPy broadcasting, and ADD's float path through
ONNX: reference vs onnxruntime, C vs reference."""
import numpy as np
import pytest

from tests.ops.onnx_single import check_node, rand

SHAPES = [((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((1, 2, 3, 4, 5), (2, 1, 1, 5))]


@pytest.mark.parametrize("op_type", ["Sub", "Mul", "Div", "Max", "Min", "Pow", "Add"])
@pytest.mark.parametrize("shapes", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_binary(op_type, shapes, tmp_path):
    rng = np.random.default_rng(len(op_type))
    a, b = rand(rng, shapes[0]), rand(rng, shapes[1])
    if op_type == "Pow":
        a = np.abs(a) + 0.1
    check_node("add" if op_type == "Add" else "binary", op_type, {"a": a, "b": b}, tmp_path=tmp_path)
