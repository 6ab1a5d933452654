"""TFLite activations and elementwise builtins of one input, int8 (bit-exact) and float32, onto the
unary kind: ABS, RSQRT, TANH, LOGISTIC, RELU, RELU6, LEAKY_RELU, HARD_SWISH, ELU; PRELU
(alpha broadcast, constant or not) and LOG_SOFTMAX. NumPy reference vs
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
