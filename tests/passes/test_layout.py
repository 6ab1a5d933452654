"""layout: the transposes the ONNX import puts around each NHWC kernel cancel, sink and fold
away (a plain NCHW CNN keeps none), and the NumPy reference gives the same bits before and
after: only data movement changes, constants are permuted at compile time, and a flatten
before Gemm becomes a permutation of the weights' columns (the float64 dot product then adds
the same products in another order, which has never moved a float32 result here)."""
import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from aot.core.ir import Op, Tensor
from aot.frontends.onnx import import_model
from aot.passes.dce import dce
from aot.passes.layout import layout
from tests.passes.helpers import assert_bit_exact, assert_idempotent, assert_unchanged, graph, kinds, run_pass


def _layout(g):
    return dce(layout(g))


def _model(nodes, inits, c_in, hw=6, out_shape=(1, 3)):
    x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, c_in, hw, hw])
    y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, list(out_shape))
    inits = [numpy_helper.from_array(v, n) for n, v in inits.items()]
    g, problems = import_model(helper.make_model(helper.make_graph(nodes, "m", [x], [y], inits),
                                                 opset_imports=[helper.make_opsetid("", 13)]), "m")
    assert not problems, problems
    return g


def _rand(rng, *shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


def _plain_cnn(c_in: int):
    """Conv+bias -> Relu -> MaxPool -> Conv -> Mul by a per-channel constant -> Sigmoid ->
    Flatten -> Gemm, in ONNX's NCHW."""
    rng = np.random.default_rng(c_in)
    inits = {"w1": _rand(rng, 4, c_in, 3, 3), "b1": _rand(rng, 4), "w2": _rand(rng, 6, 4, 3, 3),
             "s": _rand(rng, 6, 1, 1), "wf": _rand(rng, 3, 54), "bf": _rand(rng, 3)}
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["p1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
             helper.make_node("Mul", ["c2", "s"], ["m2"]),
             helper.make_node("Sigmoid", ["m2"], ["s2"]),
             helper.make_node("Flatten", ["s2"], ["f"]),
             helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], transB=1)]
    return _model(nodes, inits, c_in)


def test_plain_cnn_keeps_no_transpose():
    g = _plain_cnn(1)
    assert kinds(g).count("transpose") == 6  # around each conv and the pool
    h = run_pass(_layout, g)
    assert kinds(h) == ["reshape", "conv2d", "unary", "max_pool2d", "conv2d", "binary", "unary", "reshape", "fully_connected"]
    fc = h.ops[-1]
    assert not np.array_equal(h.tensor(fc.inputs[1]).data, g.tensor(fc.inputs[1]).data)  # columns permuted to NHWC order
    assert_bit_exact(g, h)


def test_more_than_one_input_channel_keeps_one_transpose_at_the_start():
    g = _plain_cnn(3)
    h = run_pass(_layout, g)
    assert kinds(h).count("transpose") == 1 and h.ops[0].kind == "transpose" and h.ops[0].inputs == ["x"]
    assert h.ops[0].attrs["perm"] == (0, 2, 3, 1)
    assert_bit_exact(g, h)


def test_residual_add_and_swish_lose_their_transposes():
    """y = Gemm(Flatten(GAP(Conv(t + Conv(t)) ))), t = u * Sigmoid(u), u = Conv(x): the add's
    operands carry the same transpose, Sigmoid's output is a sibling of its input."""
    rng = np.random.default_rng(7)
    inits = {"w1": _rand(rng, 4, 1, 3, 3), "w2": _rand(rng, 4, 4, 3, 3), "w3": _rand(rng, 5, 4, 1, 1),
             "wf": _rand(rng, 3, 5)}
    nodes = [helper.make_node("Conv", ["x", "w1"], ["u"], pads=[1, 1, 1, 1]),
             helper.make_node("Sigmoid", ["u"], ["su"]),
             helper.make_node("Mul", ["u", "su"], ["t"]),
             helper.make_node("Conv", ["t", "w2"], ["c2"], pads=[1, 1, 1, 1]),
             helper.make_node("Add", ["t", "c2"], ["a"]),
             helper.make_node("Conv", ["a", "w3"], ["c3"]),
             helper.make_node("GlobalAveragePool", ["c3"], ["gap"]),
             helper.make_node("Flatten", ["gap"], ["f"]),
             helper.make_node("Gemm", ["f", "wf"], ["y"], transB=1)]
    g = _model(nodes, inits, 1)
    assert "transpose" in kinds(g)
    h = run_pass(_layout, g)
    assert "transpose" not in kinds(h) and kinds(h).count("conv2d") == 3
    assert_bit_exact(g, h)


def test_an_nchw_graph_output_keeps_its_transpose():
    rng = np.random.default_rng(3)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c"], ["y"])]
    g = _model(nodes, {"w": _rand(rng, 2, 1, 3, 3)}, 1, out_shape=(1, 2, 6, 6))
    h = run_pass(_layout, g)
    assert kinds(h) == ["reshape", "conv2d", "unary", "transpose"] and h.ops[-1].outputs == ["y"]
    assert_bit_exact(g, h)


def _f(name, shape):
    return Tensor(name, shape, "float32")


def test_transposes_compose_and_an_identity_goes():
    t = [_f("x", (1, 2, 3, 4)), _f("a", (1, 3, 4, 2)), _f("b", (1, 2, 3, 4)), _f("y", (1, 2, 3, 4))]
    ops = [Op("transpose", ["x"], ["a"], {"perm": (0, 2, 3, 1)}), Op("transpose", ["a"], ["b"], {"perm": (0, 3, 1, 2)}),
           Op("unary", ["b"], ["y"], {"fn": "abs"})]
    g = graph(t, ops, ["x"], ["y"])
    h = run_pass(_layout, g)
    assert kinds(h) == ["unary"] and h.ops[0].inputs == ["x"]
    assert_bit_exact(g, h)


def test_a_transpose_of_size_one_axes_becomes_a_reshape():
    g = graph([_f("x", (1, 1, 4, 5)), _f("y", (1, 1, 4, 5))], [Op("transpose", ["x"], ["y"], {"perm": (1, 0, 2, 3)})], ["x"], ["y"])
    h = run_pass(_layout, g)
    assert kinds(h) == ["reshape"] and h.ops[0].attrs == {}
    assert_bit_exact(g, h)


@pytest.mark.parametrize("case", ["real-transpose-output", "channel-softmax", "no-transpose"])
def test_graphs_it_does_not_apply_to_are_unchanged(case):
    if case == "real-transpose-output":
        t = [_f("x", (1, 2, 3, 4)), _f("y", (1, 3, 2, 4))]
        g = graph(t, [Op("transpose", ["x"], ["y"], {"perm": (0, 2, 1, 3)})], ["x"], ["y"])
    elif case == "channel-softmax":  # softmax (over the last axis) reads the transposed tensor: it stays
        t = [_f("x", (1, 3, 4, 2)), _f("a", (1, 2, 3, 4)), _f("y", (1, 2, 3, 4))]
        g = graph(t, [Op("transpose", ["x"], ["a"], {"perm": (0, 3, 1, 2)}),
                      Op("softmax", ["a"], ["y"], {"beta": 1.0})], ["x"], ["y"])
    else:
        t = [_f("x", (1, 2, 3, 4)), _f("y", (1, 2, 3, 4))]
        g = graph(t, [Op("unary", ["x"], ["y"], {"fn": "relu"})], ["x"], ["y"])
    assert_unchanged(_layout, g)


@pytest.mark.parametrize("c_in", [1, 3])
def test_idempotent(c_in):
    assert_idempotent(_layout, _plain_cnn(c_in))
