"""QUANTIZE (float32 -> int8 and int8 -> int8): NumPy reference vs tflite-micro and generated C (host, RPC) vs the reference,
on random single-op models:

int8 bit-exact, float32 within rtol/atol 1e-5.
"""
import pytest

from tests.ops.compare import c_cases, cases, check_against_tflm, check_c_against_reference


@pytest.mark.parametrize("dtype,seed", cases("quantize"))
def test_quantize_matches_tflm(dtype, seed):
    check_against_tflm("quantize", dtype, seed)


@pytest.mark.parametrize("dtype,seed", cases("requantize"))
def test_requantize_matches_tflm(dtype, seed):
    check_against_tflm("requantize", dtype, seed)


@pytest.mark.parametrize("dtype,seed", c_cases("quantize"))
def test_quantize_c_matches_reference(dtype, seed, tmp_path):
    check_c_against_reference("quantize", dtype, seed, tmp_path)
