"""TFLite data-movement builtins (CONCATENATION, PAD, PADV2, TRANSPOSE, EXPAND_DIMS, SLICE, STRIDED_SLICE)
onto the existing concat/pad/transpose/reshape/slice ops: NumPy reference vs tflite-micro and
generated C (host, RPC) vs the reference, on random single-op models; int8 bit-exact, float32 exact
(pure data movement), and unsupported variants refused with one problem naming the operator.
"""
import numpy as np
import pytest

from aot.driver.reference import run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import Model, i32, random_inputs, random_quant
from tests.op_models.shape import (
    make_strided_slice_masks,
    numpy_index,
    strided_slice_masks,
)
from tests.ops.compare import op_tests, refusals

OPS = ["concatenation", "pad", "padv2", "mirror_pad", "transpose", "expand_dims", "squeeze", "slice", "strided_slice", "gather", "gather_nd"]


test_matches_tflm, test_c_matches_reference = op_tests(OPS)
# Models tflite-micro cannot run: computed indices, int32 and int64, drawn over their whole range
# (it stops on one out of range and takes no int64; the reference and the C clamp them alike), and
# strided slices with ellipsis and new-axis masks (it ignores them).
_, test_c_matches_reference_computed_indices = op_tests(
    ["gather_runtime_indices", "gather_nd_runtime_indices", "strided_slice_masks"])


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


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("seed", range(10))
def test_strided_slice_ellipsis_and_new_axis_match_numpy(seed, dtype):
    """tflite-micro ignores ellipsis_mask and new_axis_mask (it sets them to 0), so these are
    checked against NumPy's indexing, which TensorFlow's strided slice follows (and the C against
    the reference by test_c_matches_reference_computed_indices)."""
    x_shape, begin, end, strides, masks, _ = strided_slice_masks(np.random.default_rng(seed))
    model = make_strided_slice_masks(np.random.default_rng(seed), dtype)
    g = load_tflite(model)
    value = random_inputs(model, np.random.default_rng(seed))[0]
    got = run_graph(g, {g.inputs[0]: value})[g.outputs[0]]
    np.testing.assert_array_equal(got, value[numpy_index(begin, end, strides, masks)])


def test_strided_slice_zero_stride_is_refused():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (4,))
    y = m.output((4,))
    model = m.finish("STRIDED_SLICE", [x, i32(m, "b", [0]), i32(m, "e", [4]), i32(m, "s", [0])], [y])
    problems = refusals(model)
    assert problems[0][1] == "STRIDED_SLICE" and "stride is zero" in problems[0][2]
