"""fold_constants: ops of constants are evaluated at compile time by the same NumPy reference
that would run them, so the outputs keep every bit; with ``keep=("dequantize",)`` a dequantize
of a constant stays and a transpose/reshape after it moves above it (the constant is permuted
as int8, a per-axis quantisation's axis follows the permutation)."""
import numpy as np
import pytest

from aot.core.ir import Op, Quant, Tensor
from aot.passes.fold_constants import fold_constants
from tests.passes.helpers import assert_bit_exact, assert_idempotent, assert_unchanged, graph, kinds, run_pass

RNG = np.random.default_rng(5)


def _f(name, shape, data=None):
    return Tensor(name, shape, "float32", None, data)


def _const_chain():
    """y = x + reshape(exp(transpose(c))): three ops of constants before the one real op."""
    c = RNG.uniform(-1, 1, (3, 4)).astype(np.float32)
    tensors = [_f("x", (1, 2, 4, 3)), _f("c", (3, 4), c), _f("ct", (4, 3)), _f("e", (4, 3)), _f("er", (1, 1, 4, 3)),
               _f("y", (1, 2, 4, 3))]
    ops = [Op("transpose", ["c"], ["ct"], {"perm": (1, 0)}), Op("unary", ["ct"], ["e"], {"fn": "exp"}),
           Op("reshape", ["e"], ["er"]), Op("add", ["x", "er"], ["y"], {"activation": "NONE"})]
    return graph(tensors, ops, ["x"], ["y"]), c


def test_constant_ops_fold_bit_exactly():
    g, c = _const_chain()
    h = run_pass(fold_constants, g)
    assert kinds(h) == ["add"] and h.ops[0].inputs == ["x", "er"]
    er = h.tensor("er")
    assert er.is_const and er.data.dtype == np.float32 and er.data.shape == (1, 1, 4, 3)
    np.testing.assert_array_equal(er.data[0, 0], np.exp(c.T.astype(np.float64)).astype(np.float32))
    assert_bit_exact(g, h)


def _dequantized(per_axis: bool, movement: str):
    """y = x * movement(dequantize(w)), w an int8 constant [2, 3]."""
    w = RNG.integers(-127, 128, (2, 3), dtype=np.int8)
    q = Quant([0.02, 0.05], [0, 0], 0) if per_axis else Quant([0.03], [4])
    shape = (3, 2) if movement == "transpose" else (1, 6)
    attrs = {"perm": (1, 0)} if movement == "transpose" else {}
    tensors = [Tensor("w", (2, 3), "int8", q, w), _f("wf", (2, 3)), _f("wm", shape), _f("x", (1, *shape)), _f("y", (1, *shape))]
    ops = [Op("dequantize", ["w"], ["wf"]), Op(movement, ["wf"], ["wm"], attrs), Op("binary", ["x", "wm"], ["y"], {"fn": "mul"})]
    return graph(tensors, ops, ["x"], ["y"])


@pytest.mark.parametrize("per_axis,movement", [(False, "transpose"), (True, "transpose"), (False, "reshape")])
def test_kept_dequantize_moves_below_the_data_movement(per_axis, movement):
    g = _dequantized(per_axis, movement)
    h = run_pass(fold_constants, g, keep=("dequantize",))
    assert kinds(h) == ["dequantize", "binary"]
    dq = h.ops[0]
    assert dq.outputs == ["wm"]
    w = h.tensor(dq.inputs[0])
    assert w.dtype == "int8" and w.is_const and w.shape == h.tensor("wm").shape
    np.testing.assert_array_equal(w.data, g.tensor("w").data.T if movement == "transpose" else g.tensor("w").data.reshape(1, 6))
    if per_axis:
        assert w.quant.axis == 1 and list(w.quant.scale) == list(g.tensor("w").quant.scale)
    assert_bit_exact(g, h)


def test_per_axis_dequantize_is_not_reshaped():
    assert_unchanged(fold_constants, _dequantized(True, "reshape"), keep=("dequantize",))


@pytest.mark.parametrize("per_axis", [False, True])
def test_without_keep_the_dequantize_folds_too(per_axis):
    g = _dequantized(per_axis, "transpose")
    h = run_pass(fold_constants, g)
    assert kinds(h) == ["binary"] and h.tensor("wm").is_const and h.tensor("wm").dtype == "float32"
    assert_bit_exact(g, h)


def test_nothing_to_fold_is_unchanged():
    c = RNG.uniform(-1, 1, (3,)).astype(np.float32)
    tensors = [_f("x", (1, 2, 2, 3)), _f("r", (1, 2, 2, 3)), _f("c", (3,), c), _f("y", (1, 2, 2, 3)), _f("k", (3,))]
    # relu(x) * c reads an activation; neg(c) is all-constant but a graph output: both stay
    ops = [Op("unary", ["x"], ["r"], {"fn": "relu"}), Op("binary", ["r", "c"], ["y"], {"fn": "mul"}),
           Op("unary", ["c"], ["k"], {"fn": "neg"})]
    g = graph(tensors, ops, ["x"], ["y", "k"])
    assert_unchanged(fold_constants, g)
    assert_unchanged(fold_constants, g, keep=("dequantize",))


@pytest.mark.parametrize("keep", [(), ("dequantize",)])
def test_idempotent(keep):
    assert_idempotent(fold_constants, _const_chain()[0], keep=keep)
    assert_idempotent(fold_constants, _dequantized(True, "transpose"), keep=keep)
