"""qdq: float islands between DequantizeLinear and QuantizeLinear become int8 kernels.

Not bit-exact by nature where arithmetic happens: before, the island computes in float (the
reference in float64) and the quantize rounds the real result once; after, the int8 kernel
has an int32 bias rounded to input_scale * weight_scale and a fixed-point multiplier
(TFLite's arithmetic). So conv2d / depthwise / fully_connected / add / requantisation are held
to what QDQ promises: the int8 output equals quantize(float reference) within one step (and
most values exactly). Data movement and max pooling commute with a per-tensor dequantize, so
those islands keep every bit. The float reference of a QDQ graph is the graph with its
dequantized constants folded (fold_constants): our float kernels read constant weights."""
import numpy as np
import pytest

from aot.core.ir import Op, Quant, Tensor
from aot.driver.reference import random_inputs, run_graph
from aot.passes.dce import dce
from aot.passes.fold_constants import fold_constants
from aot.passes.qdq import qdq
from tests.passes.helpers import assert_bit_exact, assert_idempotent, assert_unchanged, graph, kinds, run_pass

RNG = np.random.default_rng(23)
XQ, YQ = Quant([0.04], [5]), Quant([0.12], [-3])


def _qdq(g):
    return dce(qdq(g))


def _float_reference(g):
    return dce(run_pass(fold_constants, g))


def assert_within_one_step(g, h, seeds=range(6)):
    """h's int8 outputs against g's float island quantized: |diff| <= 1, and mostly 0."""
    ref = _float_reference(g)
    diffs = []
    for s in seeds:
        x = random_inputs(g, s)
        want, got = run_graph(ref, x), run_graph(h, x)
        for n in g.outputs:
            assert got[n].dtype == want[n].dtype == np.int8 and got[n].shape == want[n].shape
            diffs.append(np.abs(got[n].astype(np.int64) - want[n]).ravel())
    d = np.concatenate(diffs)
    assert d.max() <= 1 and (d == 0).mean() >= 0.9, (d.max(), (d == 0).mean())
    assert len(np.unique(np.concatenate([run_graph(h, random_inputs(g, s))[g.outputs[0]].ravel() for s in seeds]))) > 20


def _f(name, shape, data=None):
    return Tensor(name, shape, "float32", None, data)


def _kernel_island(kind, wq=None, bias="float", out_quant=YQ):
    """int8 x -> dequantize -> kind(., dequantize(int8 w), bias) -> quantize -> int8 y."""
    xs = (1, 16) if kind == "fully_connected" else (1, 5, 5, 4)
    wshape = {"conv2d": (6, 3, 3, 4), "depthwise_conv2d": (1, 3, 3, 4), "fully_connected": (6, 16)}[kind]
    oc = wshape[3] if kind == "depthwise_conv2d" else wshape[0]
    ys = (1, oc) if kind == "fully_connected" else (1, 5, 5, oc)
    if wq is None:
        wq = Quant(RNG.uniform(0.004, 0.008, oc), np.zeros(oc), 3 if kind == "depthwise_conv2d" else 0)
    tensors = [Tensor("x", xs, "int8", XQ), _f("xf", xs), Tensor("w", wshape, "int8", wq, RNG.integers(-127, 128, wshape, dtype=np.int8)),
               _f("wf", wshape), _f("yf", ys), Tensor("y", ys, "int8", out_quant)]
    ops = [Op("dequantize", ["x"], ["xf"]), Op("dequantize", ["w"], ["wf"])]
    inputs = ["xf", "wf"]
    if bias == "float":
        tensors.append(_f("b", (oc,), RNG.uniform(-3, 3, oc).astype(np.float32)))
        inputs.append("b")
    elif bias == "int32":  # as onnxruntime writes it: int32 at input_scale * weight_scale, dequantized
        scale = np.float32(XQ.tensor_scale) * wq.scale
        tensors += [Tensor("bq", (oc,), "int32", Quant(scale, np.zeros(oc), 0), RNG.integers(-12000, 12000, oc).astype(np.int32)),
                    _f("b", (oc,))]
        ops.append(Op("dequantize", ["bq"], ["b"]))
        inputs.append("b")
    attrs = {"activation": "NONE"}
    if kind != "fully_connected":
        attrs.update(stride=(1, 1), dilation=(1, 1), pad=(1, 1, 1, 1))
    if kind == "depthwise_conv2d":
        attrs["depth_multiplier"] = 1
    ops += [Op(kind, inputs, ["yf"], attrs), Op("quantize", ["yf"], ["y"])]
    return graph(tensors, ops, ["x"], ["y"])


@pytest.mark.parametrize("kind,bias", [("conv2d", "float"), ("conv2d", "int32"), ("conv2d", None), ("depthwise_conv2d", "float"),
                                       ("fully_connected", "float"), ("fully_connected", None)])
def test_kernel_island_becomes_int8_within_one_step(kind, bias):
    g = _kernel_island(kind, bias=bias)
    h = run_pass(_qdq, g)
    assert kinds(h) == [kind]
    op = h.ops[0]
    assert op.inputs[:2] == ["x", "w"] and op.outputs == ["y"]
    assert [h.tensor(n).dtype for n in op.inputs if n] == ["int8", "int8"] + (["int32"] if bias else [])
    np.testing.assert_array_equal(h.tensor("w").data, g.tensor("w").data)
    assert_within_one_step(g, h)


def test_per_tensor_fully_connected_weights():
    g = _kernel_island("fully_connected", wq=Quant([0.006], [0]))
    h = run_pass(_qdq, g)
    assert kinds(h) == ["fully_connected"] and h.tensor(h.ops[0].inputs[0]).dtype == "int8"
    assert_within_one_step(g, h)


def _add_island():
    s = (1, 4, 4, 3)
    tensors = [Tensor("a", s, "int8", XQ), Tensor("b", s, "int8", Quant([0.07], [-9])), _f("af", s), _f("bf", s), _f("sf", s),
               Tensor("y", s, "int8", Quant([0.09], [2]))]
    ops = [Op("dequantize", ["a"], ["af"]), Op("dequantize", ["b"], ["bf"]), Op("add", ["af", "bf"], ["sf"], {"activation": "NONE"}),
           Op("quantize", ["sf"], ["y"])]
    return graph(tensors, ops, ["a", "b"], ["y"])


def test_add_island_becomes_int8_add_within_one_step():
    g = _add_island()
    h = run_pass(_qdq, g)
    assert kinds(h) == ["add"] and h.ops[0].inputs == ["a", "b"] and h.ops[0].outputs == ["y"]
    assert_within_one_step(g, h)


def test_requantisation_within_one_step():
    s = (1, 4, 4, 3)
    g = graph([Tensor("x", s, "int8", XQ), _f("xf", s), Tensor("y", s, "int8", Quant([0.03], [-11]))],
              [Op("dequantize", ["x"], ["xf"]), Op("quantize", ["xf"], ["y"])], ["x"], ["y"])
    h = run_pass(_qdq, g)
    assert kinds(h) == ["quantize"] and h.ops[0].inputs == ["x"]
    assert_within_one_step(g, h)


def _movement_island():
    """x -> dequantize -> max_pool2d -> transpose -> reshape -> concat with itself -> quantize
    (x's parameters) -> dequantize -> float y."""
    tensors = [Tensor("x", (1, 6, 6, 3), "int8", XQ), _f("xf", (1, 6, 6, 3)), _f("p", (1, 3, 3, 3)), _f("t", (1, 3, 3, 3)),
               _f("r", (1, 27)), _f("c", (1, 54)), Tensor("q", (1, 54), "int8", XQ), _f("y", (1, 54))]
    ops = [Op("dequantize", ["x"], ["xf"]),
           Op("max_pool2d", ["xf"], ["p"], {"filter": (2, 2), "stride": (2, 2), "pad": (0, 0, 0, 0), "activation": "NONE"}),
           Op("transpose", ["p"], ["t"], {"perm": (0, 3, 1, 2)}), Op("reshape", ["t"], ["r"]),
           Op("concat", ["r", "r"], ["c"], {"axis": 1}), Op("quantize", ["c"], ["q"]), Op("dequantize", ["q"], ["y"])]
    return graph(tensors, ops, ["x"], ["y"])


def test_data_movement_island_runs_on_int8_bit_exactly():
    g = _movement_island()
    h = run_pass(_qdq, g)
    assert kinds(h) == ["max_pool2d", "transpose", "reshape", "concat", "dequantize"]
    assert all(h.tensor(op.outputs[0]).dtype == "int8" for op in h.ops[:-1])
    assert_bit_exact(g, h)


def _asymmetric_weights():
    g = _kernel_island("conv2d")
    g.tensor("w").quant = Quant(g.tensor("w").quant.scale, np.full(6, 3), 0)
    return g


def _rejected_by_the_kernel():
    """fully_connected weights per channel with zero points: fully_connected's check refuses them."""
    return _kernel_island("fully_connected", wq=Quant(RNG.uniform(0.004, 0.008, 6), np.arange(6), 0))


def _float_output():
    g = _kernel_island("conv2d")
    g.ops.pop()
    g.outputs = ["yf"]
    del g.tensors["y"]
    return g


def _wrong_weight_axis():
    g = _kernel_island("conv2d")
    g.tensor("w").quant = Quant(RNG.uniform(0.004, 0.008, 4), np.zeros(4), 3)
    return g


def _pure_float():
    s = (1, 4, 4, 3)
    return graph([_f("x", s), _f("p", (1, 2, 2, 3)), _f("y", (1, 12))],
                 [Op("max_pool2d", ["x"], ["p"], {"filter": (2, 2), "stride": (2, 2), "pad": (0, 0, 0, 0), "activation": "NONE"}),
                  Op("reshape", ["p"], ["y"])], ["x"], ["y"])


@pytest.mark.parametrize("make", [_asymmetric_weights, _rejected_by_the_kernel, _float_output, _wrong_weight_axis, _pure_float],
                         ids=lambda f: f.__name__.strip("_"))
def test_what_it_cannot_turn_into_int8_is_unchanged(make):
    assert_unchanged(qdq, make())


@pytest.mark.parametrize("make", [lambda: _kernel_island("conv2d", bias="int32"), _add_island, _movement_island, _asymmetric_weights],
                         ids=["conv", "add", "movement", "stays-float"])
def test_idempotent(make):
    assert_idempotent(_qdq, make())


@pytest.mark.parametrize("yq, folded", [(Quant([0.03], [-11]), True), (YQ, False)])
def test_requantisation_only_where_exact_on_all_256_values(yq, folded):
    """quantize(dequantize(x)) becomes the integer requantisation only if it gives the float path's
    bytes for every int8 x: 0.04/5 -> 0.03/-11 does; 0.04/5 -> 0.12/-3 rounds some ties otherwise
    (TFLM's fixed-point multiplier vs float32 division), so the float ops stay."""
    g = graph([Tensor("x", (256,), "int8", XQ), _f("xf", (256,)), Tensor("y", (256,), "int8", yq)],
              [Op("dequantize", ["x"], ["xf"]), Op("quantize", ["xf"], ["y"])], ["x"], ["y"])
    h = run_pass(_qdq, g)
    assert kinds(h) == (["quantize"] if folded else ["dequantize", "quantize"]) and h.approximations == []
    every = {"x": np.arange(-128, 128, dtype=np.int8)}
    np.testing.assert_array_equal(run_graph(h, every)["y"], run_graph(g, every)["y"])
    h.ops = [Op("quantize", ["x"], ["y"])]  # the integer requantisation itself: differs where not folded
    assert np.array_equal(run_graph(h, every)["y"], run_graph(g, every)["y"]) == folded
