"""fold_affine: a per-channel multiply / add by constants after a float conv2d, depthwise_conv2d
or fully_connected (a BatchNormalization, a separate bias add) folds into its weights and bias.

Not bit-exact by nature: before, the kernel's float64 sum is rounded to float32, then each
multiply and add rounds again; after, the weights are w * s rounded to float32 and the whole
sum (bias included) rounds once. So the test holds the outputs to a relative 1e-6 of the
largest one (about eight float32 ulps), checks the folded constants themselves exactly, and
the ops it must leave alone stay bit for bit as they were."""
import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from aot.core.ir import Op, Quant, Tensor
from aot.driver.reference import random_inputs, run_graph
from aot.frontends.onnx import import_model
from aot.passes.dce import dce
from aot.passes.fold_affine import fold_affine
from aot.passes.layout import layout
from tests.passes.helpers import assert_idempotent, assert_unchanged, graph, kinds, run_pass

RNG = np.random.default_rng(17)
C = 5


def assert_close(before, after, seeds=range(4)):
    for s in seeds:
        x = random_inputs(before, s)
        want, got = run_graph(before, x), run_graph(after, x)
        for n in before.outputs:
            assert got[n].dtype == want[n].dtype == np.float32 and got[n].shape == want[n].shape
            scale = float(np.abs(want[n]).max())
            assert scale > 0 and np.abs(got[n].astype(np.float64) - want[n]).max() <= 1e-6 * scale, (n, s)


def _f(name, shape, data=None):
    return Tensor(name, shape, "float32", None, data)


def _const(name, shape):
    return _f(name, shape, RNG.uniform(0.5, 2, shape).astype(np.float32) * RNG.choice([-1, 1], shape).astype(np.float32))


def _kernel(kind, bias=True):
    x = _f("x", (1, 6, 6, C if kind == "depthwise_conv2d" else 3))
    if kind == "fully_connected":
        w, ys, attrs = _const("w", (C, 108)), (1, C), {"activation": "NONE"}
    else:
        w = _const("w", (C, 3, 3, 3) if kind == "conv2d" else (1, 3, 3, C))
        ys, attrs = (1, 6, 6, C), {"stride": (1, 1), "dilation": (1, 1), "pad": (1, 1, 1, 1), "activation": "NONE"}
        if kind == "depthwise_conv2d":
            attrs["depth_multiplier"] = 1
    tensors = [x, w, _f("y", ys)] + ([_const("b", (C,))] if bias else [])
    return tensors, Op(kind, ["x", "w", "b" if bias else None], ["y"], attrs), ys


def _affine(kind, steps, bias=True):
    """kernel -> each step (op kind, fn, constant shape) in turn; the last writes "out"."""
    tensors, op, ys = _kernel(kind, bias)
    ops, prev = [op], "y"
    for i, (k, fn, cshape) in enumerate(steps):
        out = "out" if i == len(steps) - 1 else f"t{i}"
        tensors += [_const(f"c{i}", cshape), _f(out, ys)]
        attrs = {"activation": "NONE"} if k == "add" else {"fn": fn}
        ops.append(Op(k, [prev, f"c{i}"] if i % 2 == 0 else [f"c{i}", prev], [out], attrs))
        prev = out
    return graph(tensors, ops, ["x"], ["out"])


BATCHNORM = [("binary", "mul", (C,)), ("add", None, (1, 1, 1, C))]


@pytest.mark.parametrize("kind", ["conv2d", "depthwise_conv2d", "fully_connected"])
@pytest.mark.parametrize("bias", [True, False])
def test_multiply_and_add_fold_into_the_kernel(kind, bias):
    steps = BATCHNORM if kind != "fully_connected" else [("binary", "mul", (C,)), ("add", None, (1, C))]
    g = _affine(kind, steps, bias)
    h = run_pass(fold_affine, g)
    assert kinds(dce(h)) == [kind] and h.ops[0].outputs == ["out"]
    axis = {"conv2d": 0, "depthwise_conv2d": 3, "fully_connected": 0}[kind]
    s, t = g.tensor("c0").data.astype(np.float64).reshape(-1), g.tensor("c1").data.astype(np.float64).reshape(-1)
    shape = [1] * len(g.tensor("w").shape)
    shape[axis] = C
    np.testing.assert_array_equal(h.tensor(h.ops[0].inputs[1]).data, (g.tensor("w").data * s.reshape(shape).astype(np.float32)))
    b = g.tensor("b").data.astype(np.float64) if bias else np.zeros(C)
    scaled = (b * s).astype(np.float32)  # one step at a time: the multiply's bias is a float32 constant
    np.testing.assert_array_equal(h.tensor(h.ops[0].inputs[2]).data, (scaled.astype(np.float64) + t).astype(np.float32))
    assert_close(g, h)


@pytest.mark.parametrize("steps", [[("add", None, (C,))], [("binary", "mul", (1,))], [("add", None, ())],
                                   [("binary", "mul", (C,)), ("add", None, (C,)), ("binary", "mul", (1, 1, 1, C))]],
                         ids=["add", "scalar-mul", "rank0-add", "three-steps"])
def test_other_per_channel_forms_fold(steps):
    g = _affine("conv2d", steps)
    h = dce(run_pass(fold_affine, g))
    assert kinds(h) == ["conv2d"]
    assert_close(g, h)


def test_onnx_batchnormalization_folds_after_layout():
    """Conv -> BatchNormalization in ONNX: imported as a per-channel mul and add in NCHW; once
    layout has moved the transposes, they fold into the conv."""
    rng = np.random.default_rng(2)
    inits = {"w": rng.uniform(-1, 1, (4, 2, 3, 3)), "gamma": rng.uniform(0.5, 1.5, 4), "beta": rng.uniform(-1, 1, 4),
             "mean": rng.uniform(-1, 1, 4), "var": rng.uniform(0.5, 2, 4)}
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"], epsilon=1e-3),
             helper.make_node("Relu", ["bn"], ["y"])]
    x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 2, 5, 5])
    y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4, 5, 5])
    model = helper.make_model(helper.make_graph(nodes, "bn", [x], [y], [numpy_helper.from_array(v.astype(np.float32), n) for n, v in inits.items()]),
                              opset_imports=[helper.make_opsetid("", 13)])
    g, problems = import_model(model, "bn")
    assert not problems
    laid_out = dce(layout(g))
    assert {"binary", "add"} & set(kinds(laid_out)) and kinds(laid_out).count("conv2d") == 1
    h = dce(run_pass(fold_affine, laid_out))
    assert not {"binary", "add"} & set(kinds(h)) and len(h.ops) == len(laid_out.ops) - 2
    assert_close(g, h)


def _not_foldable(case):
    if case == "activation-first":
        g = _affine("conv2d", BATCHNORM)
        g.ops[0].attrs["activation"] = "RELU"
    elif case == "non-constant-operand":
        g = _affine("conv2d", BATCHNORM[:1])
        g.tensor("c0").data = None
        g.tensor("c0").shape = (1, 6, 6, C)
        g.inputs.append("c0")
    elif case == "spatial-constant":
        g = _affine("conv2d", [("binary", "mul", (1, 6, 6, 1))])
    elif case == "broadcast-grows-output":
        g = _affine("conv2d", [("binary", "mul", (2, 1, 1, C))])
        g.tensor("out").shape = (2, 6, 6, C)
    elif case == "sub":
        g = _affine("conv2d", [("binary", "sub", (C,))])
    elif case == "kernel-output-read-twice":
        g = _affine("conv2d", BATCHNORM)
        g.outputs.append("y")
    elif case == "integer-constant":
        g = _affine("conv2d", [("add", None, (C,))])
        g.tensor("c0").data = np.arange(C, dtype=np.int32)
        g.tensor("c0").dtype = "int32"
    else:  # int8 kernel
        g = _affine("conv2d", [("add", None, (C,))])
        for n, q in (("x", Quant([0.1], [0])), ("y", Quant([0.2], [0])), ("c0", Quant([0.1], [0])), ("out", Quant([0.2], [0]))):
            t = g.tensor(n)
            t.dtype, t.quant = "int8", q
            if t.is_const:
                t.data = RNG.integers(-5, 5, t.shape, dtype=np.int8)
        g.tensor("w").dtype, g.tensor("w").quant = "int8", Quant([0.01], [0])
        g.tensor("w").data = RNG.integers(-127, 128, g.tensor("w").shape, dtype=np.int8)
        g.tensor("b").dtype, g.tensor("b").data = "int32", RNG.integers(-100, 100, C).astype(np.int32)
    return g


@pytest.mark.parametrize("case", ["activation-first", "non-constant-operand", "spatial-constant", "broadcast-grows-output",
                                  "sub", "kernel-output-read-twice", "integer-constant", "int8-kernel"])
def test_what_it_cannot_fold_is_unchanged(case):
    assert_unchanged(fold_affine, _not_foldable(case))


def test_idempotent():
    assert_idempotent(fold_affine, _affine("conv2d", BATCHNORM))
    assert_idempotent(fold_affine, _not_foldable("activation-first"))
