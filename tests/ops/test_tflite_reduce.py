"""TFLite MEAN, SUM, REDUCE_MAX, REDUCE_MIN (constant axes, keep_dims), ARG_MAX, ARG_MIN (int32
indices), CUMSUM (exclusive, reverse), EMBEDDING_LOOKUP, int8 and float32: NumPy reference vs
tflite-micro and generated C (host) vs the reference on random single-op models, int8 bit-exact,
float32 within 1e-5; what tflite-micro refuses is refused with one problem naming the operator."""
import numpy as np
import pytest
import tflite

from tests.op_models import Model
from tests.op_models.reduce import REDUCE
from tests.ops.compare import op_tests, refusals

OPS = [op.lower() for op in REDUCE] + ["arg_max", "arg_min", "cumsum", "embedding_lookup"]

test_matches_tflm, test_c_matches_reference = op_tests(OPS)


@pytest.mark.parametrize("op,fn", [("REDUCE_MAX", "max"), ("REDUCE_MIN", "min")])
def test_int8_max_min_need_the_same_quantisation(op, fn):
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (2, 3), quant=(0.1, 3))
    axis = m.b.add_tensor("axis", (1,), "int32", data=np.asarray([1], np.int32))
    problems = refusals(m.finish(op, [x, axis], [m.output((2,), quant=(0.2, 3))]))
    assert problems == [("#0", op, f"int8 reduce_{fn} needs the same quantisation on input and output")]


def test_reduce_axes_must_be_constant():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (2, 3))
    axis = m.tensor("axis", (1,), dtype="int32", graph_input=True)
    problems = refusals(m.finish("MEAN", [x, axis], [m.output((2,))]))
    assert problems == [("#0", "MEAN", "the axis operand must be a constant tensor")]


def test_arg_max_into_int64_is_refused():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (2, 3))
    axis = m.b.add_tensor("axis", (1,), "int32", data=np.asarray([1], np.int32))
    y = m.output((2,), dtype="int64")
    problems = refusals(m.finish("ARG_MAX", [x, axis], [y], output_type=tflite.TensorType.INT64))
    assert problems == [("#0", "ARG_MAX", "arg_max of float32 into int64 is not supported (int8 or float32 into int32)")]
