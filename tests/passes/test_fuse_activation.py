"""fuse_activation: a Relu / Clip after a kernel becomes the kernel's ``activation``, and the
NumPy reference gives the same bits before and after. float: the kernel's clamp in float64
before rounding equals rounding then clamping, because 0, 6, -1 and 1 are floats. int8
(dequantize -> relu/clip -> quantize with the kernel's own output quantisation): the kernel's
quantized clamp range is quantize(bound), the same rounding the quantize applies."""
import math

import numpy as np
import pytest

from aot.core.ir import Op, Quant, Tensor
from aot.passes.fuse_activation import fuse_activation
from tests.passes.helpers import assert_bit_exact, assert_idempotent, assert_unchanged, graph, kinds, outputs_on, run_pass

RNG = np.random.default_rng(11)
XQ, YQ = Quant([0.05], [3]), Quant([0.15], [-5])
WINDOW = {"stride": (1, 1), "pad": (1, 1, 1, 1)}
ACTS = {("relu", None, None): "RELU", ("clip", 0.0, 6.0): "RELU6", ("clip", -1.0, 1.0): "RELU_N1_TO_1",
        ("clip", 0.0, math.inf): "RELU"}


def _kernel(kind: str, dtype: str) -> tuple[list[Tensor], Op, list[str]]:
    """Tensors and the op computing "y" (1x4x4x4, or 1x4 for fully_connected) from "x" (and "x2")."""
    q = dtype == "int8"
    xs = (1, 4, 4, 4)
    x = Tensor("x", xs, dtype, XQ if q else None)
    ys = (1, 4) if kind == "fully_connected" else xs
    y = Tensor("y", ys, dtype, YQ if q else None)
    inputs, extra, attrs = ["x"], [], {"activation": "NONE"}
    if kind in ("conv2d", "depthwise_conv2d", "fully_connected"):
        wshape = {"conv2d": (4, 3, 3, 4), "depthwise_conv2d": (1, 3, 3, 4), "fully_connected": (4, 64)}[kind]
        if q:
            axis = 3 if kind == "depthwise_conv2d" else 0
            w = Tensor("w", wshape, "int8", Quant(RNG.uniform(0.005, 0.01, 4), np.zeros(4), axis),
                       RNG.integers(-127, 128, wshape, dtype=np.int8))
            b = Tensor("b", (4,), "int32", None, RNG.integers(-2000, 2000, 4).astype(np.int32))
        else:
            w = Tensor("w", wshape, "float32", None, RNG.uniform(-3, 3, wshape).astype(np.float32))
            b = Tensor("b", (4,), "float32", None, RNG.uniform(-1, 1, 4).astype(np.float32))
        inputs, extra = ["x", "w", "b"], [w, b]
        if kind != "fully_connected":
            attrs.update(stride=(1, 1), dilation=(1, 1), pad=(1, 1, 1, 1))
        if kind == "depthwise_conv2d":
            attrs["depth_multiplier"] = 1
    elif kind == "add":
        inputs, extra = ["x", "x2"], [Tensor("x2", xs, dtype, Quant([0.08], [-7]) if q else None)]
    else:  # pools
        attrs.update(filter=(3, 3), **WINDOW)
        if kind == "average_pool2d":
            attrs["count_include_pad"] = False
    op = Op(kind, inputs, ["y"], attrs)
    return [x, y, *extra], op, ["x", "x2"] if kind == "add" else ["x"]


def _act(fn, lo, hi, x, y):
    return Op("unary", [x], [y], {"fn": fn} if fn == "relu" else {"fn": fn, "min": lo, "max": hi})


def _with_activation(kind, dtype, fn="relu", lo=None, hi=None, out_quant=YQ):
    tensors, op, inputs = _kernel(kind, dtype)
    shape = tensors[1].shape
    if dtype == "float32":
        tensors.append(Tensor("z", shape, "float32"))
        ops = [op, _act(fn, lo, hi, "y", "z")]
    else:
        tensors += [Tensor("yf", shape, "float32"), Tensor("af", shape, "float32"), Tensor("z", shape, "int8", out_quant)]
        ops = [op, Op("dequantize", ["y"], ["yf"]), _act(fn, lo, hi, "yf", "af"), Op("quantize", ["af"], ["z"])]
    return graph(tensors, ops, inputs, ["z"])


FLOAT_KINDS = ["conv2d", "depthwise_conv2d", "fully_connected", "add", "max_pool2d", "average_pool2d"]


@pytest.mark.parametrize("kind", FLOAT_KINDS)
@pytest.mark.parametrize("act", list(ACTS), ids=lambda a: "-".join(map(str, a)))
def test_float_activation_fuses_bit_exactly(kind, act):
    g = _with_activation(kind, "float32", *act)
    h = run_pass(fuse_activation, g)
    assert kinds(h) == [kind] and h.ops[0].attrs["activation"] == ACTS[act] and h.ops[0].outputs == ["z"]
    assert_bit_exact(g, h)


@pytest.mark.parametrize("kind", ["conv2d", "depthwise_conv2d", "fully_connected", "add"])
@pytest.mark.parametrize("act", list(ACTS)[:3], ids=lambda a: "-".join(map(str, a)))
def test_int8_dequantize_activation_quantize_fuses_bit_exactly(kind, act):
    g = _with_activation(kind, "int8", *act)
    h = run_pass(fuse_activation, g)
    assert kinds(h) == [kind] and h.ops[0].attrs["activation"] == ACTS[act] and h.ops[0].outputs == ["z"]
    assert h.tensor("z").dtype == "int8"
    assert_bit_exact(g, h)
    # the clamp really bites: some outputs sit on its bounds
    z = np.concatenate([outputs_on(h, s)["z"].ravel() for s in range(4)])
    assert (z == YQ.tensor_zero_point).sum() > 0 if act[0] == "relu" else (z == YQ.tensor_zero_point + round(act[2] / YQ.tensor_scale)).sum() > 0


@pytest.mark.parametrize("case", ["clip-0-5", "tanh", "already-fused", "output-also-read", "output-is-graph-output",
                                  "not-fusible-kind"])
def test_float_cases_that_do_not_fuse_are_unchanged(case):
    if case == "clip-0-5":
        g = _with_activation("conv2d", "float32", "clip", 0.0, 5.0)
    elif case == "tanh":
        g = _with_activation("conv2d", "float32", "tanh")
    elif case == "already-fused":
        g = _with_activation("conv2d", "float32")
        g.ops[0].attrs["activation"] = "RELU6"
    elif case == "output-also-read":
        g = _with_activation("conv2d", "float32")
        g.tensors["n"] = Tensor("n", g.tensor("y").shape, "float32")
        g.ops.append(Op("unary", ["y"], ["n"], {"fn": "neg"}))
        g.outputs.append("n")
    elif case == "output-is-graph-output":
        g = _with_activation("conv2d", "float32")
        g.outputs.append("y")
    else:
        g = _with_activation("conv2d", "float32")
        g.ops[0] = Op("unary", ["x"], ["y"], {"fn": "neg"})  # (binary has a fused activation now)
        for n in ("w", "b"):
            del g.tensors[n]
    assert_unchanged(fuse_activation, g)


def test_int8_requantizing_activation_is_unchanged():
    """The quantize after the activation has other parameters than the kernel's output."""
    assert_unchanged(fuse_activation, _with_activation("conv2d", "int8", out_quant=Quant([0.15], [-4])))


@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_idempotent(dtype):
    assert_idempotent(fuse_activation, _with_activation("conv2d", dtype, "clip", 0.0, 6.0))
