"""ONNX ReduceMean / Sum / Max / Min / Prod, ArgMax / ArgMin and CumSum on random shapes and
attributes: our reference against onnxruntime, the generated C on the host against the reference
(the first seeds), and refusals by reason."""
import numpy as np
import pytest

from tests.onnx.onnx_problems import problems
from tests.ops.onnx_single import check_node, rand

SEEDS = range(6)


def _shape(rng, low=1):
    return tuple(int(d) for d in rng.integers(1, 5, size=int(rng.integers(low, 5))))


def _ties(rng, shape):
    """Values from a few levels, so that extremes repeat along an axis."""
    return (rng.integers(-2, 3, size=shape) * 0.5).astype(np.float32)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op_type", ["ArgMax", "ArgMin"])
def test_arg(op_type, seed, tmp_path):
    rng = np.random.default_rng(seed)
    shape = _shape(rng)
    x = _ties(rng, shape) if seed % 2 else rand(rng, shape)
    axis = int(rng.integers(-len(shape), len(shape)))
    check_node("arg_minmax", op_type, {"x": x}, tmp_path=tmp_path if seed < 2 else None, opset=13,
               axis=axis, keepdims=int(rng.integers(0, 2)), select_last_index=int(rng.integers(0, 2)))


@pytest.mark.parametrize("last", [0, 1])
def test_arg_ties_pick_first_or_last(last, tmp_path):
    x = np.array([[1, 3, 3, 0, 3], [2, 2, 2, 2, 2]], np.float32)
    check_node("arg_minmax", "ArgMax", {"x": x}, tmp_path=tmp_path, opset=13, axis=1, keepdims=0, select_last_index=last)


def test_arg_default_attributes():
    rng = np.random.default_rng(3)
    check_node("arg_minmax", "ArgMax", {"x": rand(rng, (3, 4))}, opset=11)  # axis 0, keepdims 1


@pytest.mark.parametrize("seed", SEEDS)
def test_cumsum(seed, tmp_path):
    rng = np.random.default_rng(seed)
    shape = _shape(rng)
    axis = np.array(rng.integers(-len(shape), len(shape)), np.int64 if seed % 2 else np.int32)
    check_node("cumsum", "CumSum", {"x": rand(rng, shape)}, {"axis": axis}, tmp_path=tmp_path if seed < 2 else None,
               exclusive=int(rng.integers(0, 2)), reverse=int(rng.integers(0, 2)))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op_type", ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"])
@pytest.mark.parametrize("opset", [11, 13, 18])
def test_reduce(op_type, opset, seed, tmp_path):
    """Axes as an attribute (opset < 18; ReduceSum < 13) or a constant input, some negative."""
    rng = np.random.default_rng(seed)
    shape = _shape(rng)
    axes = sorted(set(int(a) for a in rng.integers(-len(shape), len(shape), size=int(rng.integers(1, len(shape) + 1)))))
    as_input = opset >= 18 or (op_type == "ReduceSum" and opset >= 13)
    consts, attrs = ({"axes": np.array(axes, np.int64)}, {}) if as_input else ({}, {"axes": axes})
    check_node("reduce", op_type, {"x": rand(rng, shape)}, consts, tmp_path=tmp_path if seed == 0 else None,
               opset=opset, keepdims=int(rng.integers(0, 2)), **attrs)


@pytest.mark.parametrize("op_type", ["ReduceMean", "ReduceMax"])
def test_reduce_without_axes_reduces_all(op_type):
    rng = np.random.default_rng(5)
    check_node("reduce", op_type, {"x": rand(rng, (2, 3, 4))}, opset=18, keepdims=0)


def test_reduce_noop_with_empty_axes_is_identity():
    rng = np.random.default_rng(6)
    check_node("reshape", "ReduceSum", {"x": rand(rng, (2, 3))}, {"axes": np.zeros(0, np.int64)}, opset=18, noop_with_empty_axes=1)


def test_refusals():
    x = {"x": np.zeros((2, 3), np.float32)}
    assert problems("ReduceMax", x, opset=11, axes=[2]) == ["axis 2 is out of range for rank 2"]
    assert problems("ArgMax", x, opset=13, axis=-3) == ["axis -3 is out of range for rank 2"]
    assert problems("ArgMax", {"x": np.zeros((2, 3), np.int32)}, opset=13) == \
        ["arg_max of int32 into int32 is not supported (int8 or float32 into int32)"]
    assert problems("CumSum", {"x": np.zeros((2, 3), np.float32), "axis": np.array(0, np.int64)}) == \
        ["axis ('axis') must be a constant"]
    assert problems("CumSum", {"x": np.zeros((2, 3), np.int32)}, {"axis": np.array(0, np.int64)}) == \
        ["cumsum of int32 into int32 is not supported (float32 or int8)"]
    assert problems("ReduceLogSumExp", x, opset=13) == ["operator is not supported"]
