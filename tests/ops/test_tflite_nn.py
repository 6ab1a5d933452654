"""TFLite NN builtins (RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, BATCH_MATMUL, TRANSPOSE_CONV, ...): NumPy reference vs tflite-micro
and generated C (host) vs the reference on random single-op models; int8 bit-exact, float32 within
1e-5; unsupported configurations refused with one problem naming the operator.
"""
import numpy as np

from tests.op_models import Model, i32
from tests.ops.compare import op_tests, refusals

OPS = ["resize_nearest_neighbor", "resize_bilinear", "batch_matmul", "transpose_conv"]

test_matches_tflm, test_c_matches_reference = op_tests(OPS)


def test_resize_refuses_a_non_constant_size():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (1, 3, 3, 2))
    size = m.tensor("size", (2,), dtype="int32", graph_input=True)
    y = m.output((1, 6, 6, 2))
    problems = refusals(m.finish("RESIZE_BILINEAR", [x, size], [y]))
    assert problems == [("#0", "RESIZE_BILINEAR", "the size operand must be a constant tensor")]


def test_resize_bilinear_refuses_requantisation():
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (1, 3, 3, 2), (0.1, 0))
    y = m.output((1, 6, 6, 2), quant=(0.2, 1))
    problems = refusals(m.finish("RESIZE_BILINEAR", [x, i32(m, "size", [6, 6])], [y]))
    assert len(problems) == 1 and problems[0][1] == "RESIZE_BILINEAR" and "quantised alike" in problems[0][2]
