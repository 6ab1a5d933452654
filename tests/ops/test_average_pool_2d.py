"""AVERAGE_POOL_2D: the NumPy reference matches tflite-micro on random single-op models

int8 bit-exact, float32 within rtol/atol 1e-5.
"""
import pytest

from tests.ops.compare import cases, check_against_tflm


@pytest.mark.parametrize("dtype,seed", cases("average_pool_2d"))
def test_average_pool_2d_matches_tflm(dtype, seed):
    check_against_tflm("average_pool_2d", dtype, seed)
