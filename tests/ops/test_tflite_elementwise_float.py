"""TFLite float32 elementwise builtins onto the unary kind: NEG, SQRT, EXP, FLOOR, CEIL, SQUARE, LOG, SIN,
COS, ROUND (those of one input with an int8 form are in test_tflite_activations.py; the binary builtins in
test_tflite_elementwise_binary.py; the reductions in test_tflite_reduce.py). NumPy reference vs
tflite-micro and generated C (host) vs the reference on random single-op models, float32 within 1e-5;
int8 versions are refused with one problem naming the operator.
"""
import numpy as np
import pytest

from tests.op_models import FLOAT_UNARY, Model
from tests.op_models.activations import NO_OPTIONS
from tests.ops.compare import op_tests, refusals

OPS = [op.lower() for op in FLOAT_UNARY]


test_matches_tflm, test_c_matches_reference = op_tests(OPS)


def _int8_model(op: str) -> bytes:
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (2, 3))
    return m.finish(op, [x], [m.output((2, 3))], **({"table": None} if op in NO_OPTIONS else {}))


@pytest.mark.parametrize("op", FLOAT_UNARY)
def test_int8_is_refused(op):
    assert refusals(_int8_model(op)) == [("#0", op, f"int8 {op} is not supported yet")]


