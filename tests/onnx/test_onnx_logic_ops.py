"""ONNX comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual), logic (And, Or, Xor, Not),
Where and Mod on random broadcasting shapes and dtypes: our reference against onnxruntime, the
generated C on the host against the reference (first seeds); QDQ comparisons and Where."""
import numpy as np
import pytest
from onnx import helper

from tests.onnx.onnx_problems import check_graph, graph_model, problems
from tests.onnx.qdq_single import check_qdq, qparams
from tests.ops.onnx_single import check_node, rand

SEEDS = range(4)


def _pair(rng):
    """Two shapes that broadcast together."""
    out = tuple(int(d) for d in rng.integers(1, 5, size=int(rng.integers(1, 5))))
    other = tuple(d if rng.integers(0, 2) else 1 for d in out[int(rng.integers(0, len(out))):])
    return (out, other) if rng.integers(0, 2) else (other, out)


def _values(rng, shape, dtype):
    return rand(rng, shape).round(1) if dtype == np.float32 else rng.integers(-3, 4, shape).astype(dtype)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op_type", ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"])
def test_compare(op_type, seed, tmp_path):
    """Values on a coarse grid, so that equal pairs occur; float32 and int32, one side constant at times."""
    rng = np.random.default_rng(seed)
    dtype = (np.float32, np.int32)[seed % 2]
    sa, sb = _pair(rng)
    a, b = _values(rng, sa, dtype), _values(rng, sb, dtype)
    inputs, consts = ({"a": a, "b": b}, {}) if seed < 2 else ({"a": a}, {"b": b})
    check_node("compare", op_type, inputs, consts, tmp_path=tmp_path if seed in (0, 1) else None, opset=16)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op_type", ["And", "Or", "Xor", "Not"])
def test_logical(op_type, seed, tmp_path):
    rng = np.random.default_rng(seed)
    sa, sb = _pair(rng)
    inputs = {"p": rng.integers(0, 2, sa).astype(bool)}
    if op_type != "Not":
        inputs["q"] = rng.integers(0, 2, sb).astype(bool)
    check_node("compare" if op_type == "Xor" else "logical", op_type, inputs, tmp_path=tmp_path if seed == 0 else None)


@pytest.mark.parametrize("seed", SEEDS)
def test_where(seed, tmp_path):
    """A computed condition, values of three broadcasting shapes (float32, int32), one constant at times."""
    rng = np.random.default_rng(seed)
    sc, sx = _pair(rng)
    dtype = (np.float32, np.int32)[seed % 2]
    inputs = {"c": rng.integers(0, 2, sc).astype(bool), "x": _values(rng, sx, dtype)}
    y = _values(rng, sx[int(rng.integers(0, len(sx))):] if sx else (), dtype)
    inputs, consts = (inputs | {"y": y}, {}) if seed < 2 else (inputs, {"y": y})
    check_node("select", "Where", inputs, consts, tmp_path=tmp_path if seed in (0, 1) else None)


def test_where_of_a_comparison(tmp_path):
    """relu by hand: Where(x > 0, x, 0)."""
    nodes = [helper.make_node("Greater", ["x", "zero"], ["c"]), helper.make_node("Where", ["c", "x", "zero"], ["y"])]
    x = np.random.default_rng(3).uniform(-1, 1, (3, 4)).astype(np.float32)
    check_graph(graph_model(nodes, (3, 4), {"zero": np.array(0, np.float32)}), x, ["compare", "select"], tmp_path)


@pytest.mark.parametrize("seed", SEEDS)
def test_mod(seed, tmp_path):
    """fmod=1 (float32: ONNX requires it): C's fmod, the dividend's sign."""
    rng = np.random.default_rng(seed)
    sa, sb = _pair(rng)
    a, b = rand(rng, sa) * 5, rand(rng, sb)
    b[np.abs(b) < 0.1] = 0.5
    check_node("binary", "Mod", {"a": a, "b": b}, tmp_path=tmp_path if seed == 0 else None, fmod=1)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("op_type", ["Less", "Equal"])
def test_qdq_compare_stays_float(op_type, seed):
    """Comparing dequantized values: float between the DQ and the bool result, exact."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    check_qdq("compare", False, op_type, {"x": x}, {"c": np.array(0.1, np.float32)}, in_q=[qparams(rng)], opset=16)


def test_refusals():
    a = {"a": np.zeros((2, 3), np.float32), "b": np.ones((2, 3), np.float32)}
    assert problems("Mod", a) == ["Mod of float32 needs fmod=1 (as ONNX requires)"]
    ints = {"a": np.zeros((2, 3), np.int32), "b": np.ones((2, 3), np.int32)}
    assert problems("Mod", ints) == ["floor_mod int32, int32 -> int32 is not supported (float32)"]
