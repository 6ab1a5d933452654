"""dce: ops none of whose outputs is used go, and so do tensors nothing refers to; the NumPy
reference gives the same bits before and after."""
import numpy as np

from aot.core.ir import Op, Tensor
from aot.passes.dce import dce
from tests.passes.helpers import assert_bit_exact, assert_idempotent, assert_unchanged, graph, kinds, run_pass

SHAPE = (1, 4, 4, 3)


def _t(name, const=None):
    return Tensor(name, SHAPE if const is None else const.shape, "float32", None, const)


def _unary(fn, x, y):
    return Op("unary", [x], [y], {"fn": fn})


def _with_dead_code():
    """y = relu(x) * c and z = abs(x); dead: tanh(x) -> neg, and an unreferenced constant."""
    c = np.linspace(-1, 1, 3, dtype=np.float32)
    tensors = [_t("x"), _t("r"), _t("y"), _t("z"), _t("d1"), _t("d2"), _t("c", c), _t("unused", c * 2)]
    ops = [_unary("relu", "x", "r"), _unary("tanh", "x", "d1"),
           Op("binary", ["r", "c"], ["y"], {"fn": "mul"}), _unary("neg", "d1", "d2"), _unary("abs", "x", "z")]
    return graph(tensors, ops, ["x"], ["y", "z"])


def test_dead_ops_and_tensors_go_bit_exactly():
    g = _with_dead_code()
    h = run_pass(dce, g)
    assert kinds(h) == ["unary", "binary", "unary"]
    assert [op.attrs["fn"] for op in h.ops] == ["relu", "mul", "abs"]
    assert sorted(h.tensors) == ["c", "r", "x", "y", "z"]
    assert_bit_exact(g, h)


def test_a_graph_output_nobody_reads_stays_and_so_does_an_unused_input():
    t = [_t("x"), _t("x2"), _t("y"), _t("z")]
    g = graph(t, [_unary("relu", "x", "y"), _unary("abs", "x", "z")], ["x", "x2"], ["y", "z"])
    assert_unchanged(dce, g)


def test_a_live_graph_is_unchanged():
    g = dce(_with_dead_code())
    assert_unchanged(dce, g)


def test_idempotent():
    assert_idempotent(dce, _with_dead_code())
