"""TFLite data-movement builtins (CONCATENATION, PAD, PADV2, TRANSPOSE, EXPAND_DIMS, SLICE, STRIDED_SLICE)
onto the existing concat/pad/transpose/reshape/slice ops: NumPy reference vs tflite-micro and
generated C (host, RPC) vs the reference, on random single-op models; int8 bit-exact, float32 exact
(pure data movement), and unsupported variants refused with one problem naming the operator.
"""
import numpy as np
import pytest

from tests.op_models import Model, i32, random_quant
from tests.ops.compare import op_tests, refusals

OPS = ["concatenation", "pad", "padv2", "transpose", "expand_dims", "squeeze", "slice", "strided_slice"]


test_matches_tflm, test_c_matches_reference = op_tests(OPS)


def test_concatenation_refuses_activation_and_requantisation():
    m = Model(np.random.default_rng(0), "int8")
    q = random_quant(m.rng)
    a, b = m.input("a", (2, 3), q), m.input("b", (2, 3), q)
    y = m.output((4, 3), quant=q)
    problems = refusals(m.finish("CONCATENATION", [a, b], [y], axis=0, activation="RELU"))
    assert len(problems) == 1 and problems[0][1] == "CONCATENATION" and "RELU" in problems[0][2]

    m = Model(np.random.default_rng(0), "int8")
    a, b = m.input("a", (2, 3), (0.1, 0)), m.input("b", (2, 3), (0.2, 3))
    y = m.output((4, 3), quant=(0.1, 0))
    problems = refusals(m.finish("CONCATENATION", [a, b], [y], axis=0))
    assert problems[0][1] == "CONCATENATION" and "quantised differently" in problems[0][2]


def test_non_constant_operands_are_refused():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (2, 3))
    perm = m.tensor("perm", (2,), dtype="int32", graph_input=True)
    y = m.output((3, 2))
    problems = refusals(m.finish("TRANSPOSE", [x, perm], [y]))
    assert problems == [("#0", "TRANSPOSE", "the perm operand must be a constant tensor")]


@pytest.mark.parametrize("mask", ["ellipsis_mask", "new_axis_mask", "shrink_axis_mask"])
def test_strided_slice_masks_are_refused(mask):
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (4, 5))
    y = m.output((4, 5))
    model = m.finish("STRIDED_SLICE", [x, i32(m, "b", [0, 0]), i32(m, "e", [4, 5]), i32(m, "s", [1, 1])], [y],
                     **{mask: 1})
    problems = refusals(model)
    assert problems[0][1] == "STRIDED_SLICE" and mask in problems[0][2]


def test_strided_slice_negative_stride_is_refused():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (4,))
    y = m.output((4,))
    model = m.finish("STRIDED_SLICE", [x, i32(m, "b", [-1]), i32(m, "e", [-5]), i32(m, "s", [-1])], [y])
    problems = refusals(model)
    assert problems[0][1] == "STRIDED_SLICE" and "positive strides" in problems[0][2]
