"""SOFTMAX: NumPy reference vs tflite-micro and generated C (host, RPC) vs the reference,
on random single-op models:

int8 bit-exact (int8 -> int8 and int8 -> int16), float32 within rtol/atol 1e-5.
"""
import pytest

from tests.ops.compare import c_cases, cases, check_against_tflm, check_c_against_reference


@pytest.mark.parametrize("op,dtype,seed", [(op, *c) for op in ("softmax", "softmax_to_int16") for c in cases(op)])
def test_softmax_matches_tflm(op, dtype, seed):
    check_against_tflm(op, dtype, seed)


@pytest.mark.parametrize("op,dtype,seed", [(op, *c) for op in ("softmax", "softmax_to_int16") for c in c_cases(op)])
def test_softmax_c_matches_reference(op, dtype, seed, tmp_path):
    check_c_against_reference(op, dtype, seed, tmp_path)
