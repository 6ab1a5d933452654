"""QUANTIZE (float32 -> int8 and int8 -> int8): the NumPy reference matches tflite-micro on random single-op models

int8 bit-exact, float32 within rtol/atol 1e-5.
"""
import pytest

from tests.ops.compare import cases, check_against_tflm


@pytest.mark.parametrize("dtype,seed", cases("quantize"))
def test_quantize_matches_tflm(dtype, seed):
    check_against_tflm("quantize", dtype, seed)


@pytest.mark.parametrize("dtype,seed", cases("requantize"))
def test_requantize_matches_tflm(dtype, seed):
    check_against_tflm("requantize", dtype, seed)
