"""TFLite data-movement builtins (CONCATENATION, PAD, PADV2, TRANSPOSE, EXPAND_DIMS, SLICE, STRIDED_SLICE)
onto the existing concat/pad/transpose/reshape/slice ops: NumPy reference vs tflite-micro and
generated C (host, RPC) vs the reference, on random single-op models; int8 bit-exact, float32 exact
(pure data movement), and unsupported variants refused with one problem naming the operator.
"""
import numpy as np
import pytest

from aot.core.errors import UnsupportedError
from aot.frontends.tflite import load_tflite, read_tflite
from tests.op_models import Model, random_quant
from tests.ops.compare import c_cases, cases, check_against_tflm, check_c_against_reference

OPS = ["concatenation", "pad", "padv2", "transpose", "expand_dims", "slice", "strided_slice"]


@pytest.mark.parametrize("op,dtype,seed", [(op, *c) for op in OPS for c in cases(op)])
def test_matches_tflm(op, dtype, seed):
    check_against_tflm(op, dtype, seed)


@pytest.mark.parametrize("op,dtype,seed", [(op, *c) for op in OPS for c in c_cases(op)])
def test_c_matches_reference(op, dtype, seed, tmp_path):
    check_c_against_reference(op, dtype, seed, tmp_path)


def _problems(model: bytes) -> list[tuple[str, str, str]]:
    problems = read_tflite(model)[1]
    with pytest.raises(UnsupportedError):
        load_tflite(model)
    return problems


def _i32(m, name, values):
    values = np.asarray(values, np.int32)
    return m.b.add_tensor(name, values.shape, "int32", data=values)


def test_concatenation_refuses_activation_and_requantisation():
    m = Model(np.random.default_rng(0), "int8")
    q = random_quant(m.rng)
    a, b = m.input("a", (2, 3), q), m.input("b", (2, 3), q)
    y = m.output((4, 3), quant=q)
    problems = _problems(m.finish("CONCATENATION", [a, b], [y], axis=0, activation="RELU"))
    assert len(problems) == 1 and problems[0][1] == "CONCATENATION" and "RELU" in problems[0][2]

    m = Model(np.random.default_rng(0), "int8")
    a, b = m.input("a", (2, 3), (0.1, 0)), m.input("b", (2, 3), (0.2, 3))
    y = m.output((4, 3), quant=(0.1, 0))
    problems = _problems(m.finish("CONCATENATION", [a, b], [y], axis=0))
    assert problems[0][1] == "CONCATENATION" and "quantised differently" in problems[0][2]


def test_non_constant_operands_are_refused():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (2, 3))
    perm = m.tensor("perm", (2,), dtype="int32", graph_input=True)
    y = m.output((3, 2))
    problems = _problems(m.finish("TRANSPOSE", [x, perm], [y]))
    assert problems == [("#0", "TRANSPOSE", "the perm operand must be a constant tensor")]


@pytest.mark.parametrize("mask", ["ellipsis_mask", "new_axis_mask", "shrink_axis_mask"])
def test_strided_slice_masks_are_refused(mask):
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (4, 5))
    y = m.output((4, 5))
    model = m.finish("STRIDED_SLICE", [x, _i32(m, "b", [0, 0]), _i32(m, "e", [4, 5]), _i32(m, "s", [1, 1])], [y],
                     **{mask: 1})
    problems = _problems(model)
    assert problems[0][1] == "STRIDED_SLICE" and mask in problems[0][2]


def test_strided_slice_negative_stride_is_refused():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (4,))
    y = m.output((4,))
    model = m.finish("STRIDED_SLICE", [x, _i32(m, "b", [-1]), _i32(m, "e", [-5]), _i32(m, "s", [-1])], [y])
    problems = _problems(model)
    assert problems[0][1] == "STRIDED_SLICE" and "positive strides" in problems[0][2]
