"""TFLite activations and elementwise builtins of one input, int8 (bit-exact) and float32, onto the
unary kind: ABS, RSQRT, TANH, LOGISTIC, RELU, RELU6, LEAKY_RELU, HARD_SWISH, ELU; PRELU
(alpha broadcast, constant or not) and LOG_SOFTMAX. Also ROUND on exact halves and float32
RELU_N1_TO_1 (which tflite-micro lacks) against NumPy. NumPy reference vs
tflite-micro and generated C (host) vs the reference on random single-op models; every int8 table
against tflite-micro over all 256 inputs; int8 configurations tflite-micro refuses are refused
with one problem naming the operator.
"""
import numpy as np
import pytest

from aot.driver.reference import run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import UNARY, Model, make
from tests.op_models.activations import NO_OPTIONS
from tests.ops.compare import assert_same, op_tests, refusals
from tests.tflm import run_tflm

OPS = [op.lower() for op in UNARY] + ["prelu", "log_softmax"]

test_matches_tflm, test_c_matches_reference = op_tests(OPS)


@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("seed", range(10))
def test_every_int8_input_matches_tflm(op, seed):
    """The whole table: all 256 int8 inputs (RSQRT: those at or above the zero point, an error
    below it in tflite-micro), with a generated model's quantisation, through tflite-micro and the
    reference."""
    g = load_tflite(make(op.lower(), seed, "int8"))
    xq, yq = (g.tensor(n).quant for n in (g.inputs[0], g.outputs[0]))
    lowest = xq.tensor_zero_point if op == "RSQRT" else -128
    x = np.arange(lowest, 128, dtype=np.int8)
    options = {"alpha": g.ops[0].attrs["alpha"]} if op == "LEAKY_RELU" else {"table": None} if op in NO_OPTIONS else {}
    model = _int8(op, x.shape, (xq.tensor_scale, xq.tensor_zero_point), (yq.tensor_scale, yq.tensor_zero_point),
                  **options)
    g = load_tflite(model)
    assert_same(run_graph(g, {g.inputs[0]: x})[g.outputs[0]], run_tflm(model, [x])[0], f"{op} int8 seed {seed}")


def _int8(op: str, shape, x_quant, y_quant, **options) -> bytes:
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", shape, quant=x_quant)
    return m.finish(op, [x], [m.output(shape, quant=y_quant)], **options)


@pytest.mark.parametrize("op,y_quant,reason", [
    ("LOGISTIC", (1 / 128, -128), "int8 LOGISTIC needs the output scale 1/256 and zero point -128"),
    ("LOGISTIC", (1 / 256, 0), "int8 LOGISTIC needs the output scale 1/256 and zero point -128"),
    ("TANH", (1 / 256, 0), "int8 TANH needs the output scale 1/128 and zero point 0"),
    ("HARD_SWISH", (0.0001, 0), "int8 HARD_SWISH needs the output scale above 1/128 of the input's"),
])
def test_int8_configurations_tflm_refuses_are_refused(op, y_quant, reason):
    assert refusals(_int8(op, (2, 3), (0.05, 3), y_quant)) == [("#0", op, reason)]


def test_log_softmax_int8_output_quantisation_is_refused():
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (2, 5), quant=(0.05, 3))
    model = m.finish("LOG_SOFTMAX", [x], [m.output((2, 5), quant=(1 / 256, -128))])
    assert refusals(model) == [("#0", "LOG_SOFTMAX", "int8 log_softmax output must have scale 16/256 and zero point 127")]


def _host_c(model: bytes, x: np.ndarray, build_dir) -> np.ndarray:
    """The one output of single-input ``model`` on ``x`` through the generated C on the host."""
    from pathlib import Path

    from aot.driver.compiler import compile_graph
    from aot.driver.runner import run_on_board
    from aot.target.boards import load_board

    g = load_tflite(model)
    g.name = "single_op"
    cm = compile_graph(g, Path("single_op.tflite"), "0" * 64)
    return run_on_board(cm, load_board("host"), {g.inputs[0]: x}, build_dir=build_dir).outputs[g.outputs[0]]


def _reference(model: bytes, x: np.ndarray) -> np.ndarray:
    g = load_tflite(model)
    return run_graph(g, {g.inputs[0]: x})[g.outputs[0]]


def test_round_halves_to_even(tmp_path):
    """ROUND on exact halves (random inputs never hit them): tflite-micro, the reference and the host C."""
    x = np.asarray([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -0.49999997], np.float32)
    m = Model(np.random.default_rng(0), "float32")
    model = m.finish("ROUND", [m.input("x", x.shape)], [m.output(x.shape)], table=None)
    want = np.asarray([-2, -2, -0, 0, 2, 2, 4, -0], np.float32)
    np.testing.assert_array_equal(run_tflm(model, [x])[0], want)
    np.testing.assert_array_equal(_reference(model, x), want)
    np.testing.assert_array_equal(_host_c(model, x, tmp_path), want)


@pytest.mark.parametrize("seed", range(3))
def test_relu_n1_to_1_clips(seed, tmp_path):
    """RELU_N1_TO_1 (float32; tflite-micro has no kernel for it): the reference and the host C clip
    inputs in [-3, 3) to [-1, 1]."""
    model = make("relu_n1_to_1", seed, "float32")
    g = load_tflite(model)
    shape = g.tensor(g.inputs[0]).shape
    x = np.random.default_rng(seed).uniform(-3, 3, shape).astype(np.float32)
    np.testing.assert_array_equal(_reference(model, x), np.clip(x, -1, 1))
    np.testing.assert_array_equal(_host_c(model, x, tmp_path), np.clip(x, -1, 1))


def test_int8_relu_n1_to_1_is_refused():
    assert refusals(_int8("RELU_N1_TO_1", (2, 3), (0.05, 3), (1 / 128, 0), table=None)) == [
        ("#0", "RELU_N1_TO_1", "int8 RELU_N1_TO_1 is not supported yet")]
