"""TFLite MEAN, SUM, REDUCE_MAX, REDUCE_MIN (constant axes, keep_dims), ARG_MAX, ARG_MIN (int32
indices), CUMSUM (exclusive, reverse), EMBEDDING_LOOKUP, int8 and float32: NumPy reference vs
tflite-micro and generated C (host) vs the reference on random single-op models, int8 bit-exact,
float32 within 1e-5; what tflite-micro refuses is refused with one problem naming the operator."""
import numpy as np
import pytest
import tflite

from aot.driver.reference import run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import Model, random_inputs
from tests.op_models.reduce import REDUCE
from tests.ops.compare import assert_same, op_tests, refusals
from tests.tflm import run_tflm

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


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("same_quant", [True, False])
def test_int8_mean_over_h_w(keep, same_quant):
    """The global average pool (4-D, axes 1 and 2): the shape older tflite-micro ran by a kernel
    of its own; the reference equals the tflite-micro we test against on many inputs."""
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (2, 7, 9, 5), quant=(0.05, -7))
    axes = m.b.add_tensor("axes", (2,), "int32", data=np.asarray([1, 2], np.int32))
    y = m.output((2, 1, 1, 5) if keep else (2, 5), quant=(0.05, -7) if same_quant else (0.031, 4))
    model = m.finish("MEAN", [x, axes], [y], keep_dims=keep)
    g = load_tflite(model)
    for seed in range(20):
        inputs = random_inputs(model, np.random.default_rng(seed))
        got = run_graph(g, dict(zip(g.inputs, inputs)))[g.outputs[0]]
        assert_same(got, run_tflm(model, inputs)[0], f"MEAN over H, W, seed {seed}")
