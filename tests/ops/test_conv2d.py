"""CONV_2D: NumPy reference vs tflite-micro and generated C (host, RPC) vs the reference,
on random single-op models:

int8 bit-exact, float32 within rtol/atol 1e-5.
"""
import pytest

from tests.ops.compare import c_cases, cases, check_against_tflm, check_c_against_reference


@pytest.mark.parametrize("dtype,seed", cases("conv_2d"))
def test_conv_2d_matches_tflm(dtype, seed):
    check_against_tflm("conv_2d", dtype, seed)


@pytest.mark.parametrize("dtype,seed", c_cases("conv_2d"))
def test_conv_2d_c_matches_reference(dtype, seed, tmp_path):
    check_c_against_reference("conv_2d", dtype, seed, tmp_path)
