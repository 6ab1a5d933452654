"""TFLite float32 elementwise and reduction builtins onto the existing unary / reduce kinds:
ABS, NEG, SQRT, EXP, FLOOR, CEIL, TANH, LOGISTIC, RELU, RELU6, LEAKY_RELU, HARD_SWISH, ELU, and MEAN,
SUM, REDUCE_MAX, REDUCE_MIN (constant axes, keep_dims). NumPy reference vs tflite-micro and generated C
(host) vs the reference on random single-op models, float32 within 1e-5; int8 versions are refused
with one problem naming the operator. (The binary builtins: test_tflite_elementwise_binary.py.)
"""
import numpy as np
import pytest

from tests.op_models import FLOAT_REDUCE, FLOAT_UNARY, Model
from tests.ops.compare import op_tests, refusals

OPS = [op.lower() for op in FLOAT_UNARY + FLOAT_REDUCE]


test_matches_tflm, test_c_matches_reference = op_tests(OPS)


def _int8_model(op: str) -> bytes:
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (2, 3))
    if op in FLOAT_REDUCE:
        axis = m.b.add_tensor("axis", (1,), "int32", data=np.asarray([1], np.int32))
        return m.finish(op, [x, axis], [m.output((2,))])
    return m.finish(op, [x], [m.output((2, 3))])


@pytest.mark.parametrize("op", FLOAT_UNARY + FLOAT_REDUCE)
def test_int8_is_refused(op):
    assert refusals(_int8_model(op)) == [("#0", op, f"int8 {op} is not supported yet")]


def test_reduce_axes_must_be_constant():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (2, 3))
    axis = m.tensor("axis", (1,), dtype="int32", graph_input=True)
    problems = refusals(m.finish("MEAN", [x, axis], [m.output((2,))]))
    assert problems == [("#0", "MEAN", "the axis operand must be a constant tensor")]
