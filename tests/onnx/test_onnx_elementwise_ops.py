"""ONNX elementwise functions (Erf, Gelu, Round, Sin, Cos, Log, Reciprocal, Sign, Softplus, Softsign,
Mish, Selu), PRelu with a
broadcast slope, LogSoftmax on any axis and PyTorch's erf-based GELU pattern on random shapes:
our reference against onnxruntime, the generated C on the host against the reference (first
seeds), and refusals by reason."""
import math

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from aot.driver.compiler import prepare
from aot.driver.reference import run_graph
from aot.frontends.onnx import import_model
from tests.onnx.models import assert_float_close
from tests.onnx.onnx_problems import problems
from tests.ops.onnx_single import check_node, rand

SEEDS = range(4)


def _shape(rng):
    return tuple(int(d) for d in rng.integers(1, 6, size=int(rng.integers(1, 5))))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op_type", ["Erf", "Round", "Sin", "Cos", "Log", "Reciprocal", "Sign", "Softplus", "Softsign", "Mish"])
def test_unary(op_type, seed, tmp_path):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-4, 4, _shape(rng)).astype(np.float32)
    if op_type == "Log":
        x = np.abs(x) + 0.01
    if op_type == "Round":
        x.flat[: min(3, x.size)] = [-2.5, 0.5, 1.5][: min(3, x.size)]  # halves go to even
    if op_type == "Sign":
        x.flat[0] = 0.0
    check_node("unary", op_type, {"x": x * (25 if seed == 3 and op_type in ("Softplus", "Mish") else 1)},
               tmp_path=tmp_path if seed == 0 else None, opset=18 if op_type == "Mish" else 13)


@pytest.mark.parametrize("seed", SEEDS)
def test_selu(seed, tmp_path):
    rng = np.random.default_rng(seed)
    attrs = {"alpha": float(rng.uniform(0.5, 2)), "gamma": float(rng.uniform(0.5, 2))} if seed % 2 else {}
    check_node("unary", "Selu", {"x": rng.uniform(-4, 4, _shape(rng)).astype(np.float32)}, tmp_path=tmp_path if seed < 2 else None, **attrs)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(approximate, seed, tmp_path):
    rng = np.random.default_rng(seed)
    check_node("unary", "Gelu", {"x": rng.uniform(-5, 5, _shape(rng)).astype(np.float32)},
               tmp_path=tmp_path if seed == 0 else None, opset=20, approximate=approximate)


def test_pytorch_erf_gelu_pattern(tmp_path):
    """x * 0.5 * (1 + erf(x / sqrt(2))) as torch.onnx exports nn.GELU before opset 20: op by op."""
    consts = {"sqrt2": np.array(1.4142135, np.float32), "one": np.array(1.0, np.float32), "half": np.array(0.5, np.float32)}
    nodes = [helper.make_node("Div", ["x", "sqrt2"], ["d"]), helper.make_node("Erf", ["d"], ["e"]),
             helper.make_node("Add", ["e", "one"], ["a"]), helper.make_node("Mul", ["x", "a"], ["m"]),
             helper.make_node("Mul", ["m", "half"], ["y"])]
    graph = helper.make_graph(nodes, "gelu", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 8])],
                              [helper.make_empty_tensor_value_info("y")], [numpy_helper.from_array(v, n) for n, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    g, found = import_model(model)
    g, found = prepare(g)
    assert not found, found
    x = np.random.default_rng(1).uniform(-4, 4, (2, 8)).astype(np.float32)
    want = 0.5 * x.astype(np.float64) * (1 + np.vectorize(math.erf)(x / np.sqrt(2)))
    assert_float_close(run_graph(g, {"x": x})[g.outputs[0]], want, "reference")


@pytest.mark.parametrize("seed", SEEDS)
def test_prelu(seed, tmp_path):
    """The slope broadcast to x: per channel [C, 1, 1], trailing, scalar, or a runtime input."""
    rng = np.random.default_rng(seed)
    shape = (1, 3, 4, 5)
    slope_shape = [(3, 1, 1), (5,), (1,), (4, 5)][seed]
    x, slope = rand(rng, shape), rand(rng, slope_shape)
    if seed == 3:
        check_node("prelu", "PRelu", {"x": x, "slope": slope}, tmp_path=tmp_path)
    else:
        check_node("prelu", "PRelu", {"x": x}, {"slope": slope}, tmp_path=tmp_path if seed == 0 else None)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("opset", [11, 13])
def test_log_softmax(opset, seed, tmp_path):
    """Any axis; before opset 13 over the flattened trailing axes."""
    rng = np.random.default_rng(seed)
    shape = _shape(rng)
    axis = int(rng.integers(-len(shape), len(shape)))
    check_node("log_softmax", "LogSoftmax", {"x": rand(rng, shape) * 4}, tmp_path=tmp_path if seed == 0 else None,
               opset=opset, axis=axis)


def test_refusals():
    x = {"x": np.zeros((2, 3), np.float32)}
    assert problems("Gelu", x, opset=20, approximate="fast") == ["approximate='fast' is not supported (none, tanh)"]
    assert problems("Erf", {"x": np.zeros((2, 3), np.int32)}, opset=13) == \
        ["erf int32[2, 3] -> int32[2, 3] is not supported (float32, int8 or int16)"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op_type", ["Max", "Min", "Sum"])
def test_variadic(op_type, seed, tmp_path):
    """One to four operands broadcast together (some constant), folded from the left."""
    rng = np.random.default_rng(seed)
    out = _shape(rng)
    shapes = [tuple(d if rng.integers(0, 2) else 1 for d in out[int(rng.integers(0, len(out))):]) for _ in range(seed % 4 + 1)]
    shapes[0] = out
    inputs = {f"x{k}": rand(rng, s) for k, s in enumerate(shapes) if k % 2 == 0}
    consts = {f"x{k}": rand(rng, s) for k, s in enumerate(shapes) if k % 2}
    kind = "reshape" if len(shapes) == 1 else "add" if op_type == "Sum" else "binary"
    check_node(kind, op_type, inputs, consts, tmp_path=tmp_path if seed in (0, 3) else None, opset=13)
