"""ADD: the NumPy reference matches tflite-micro on random single-op models

int8 bit-exact, float32 within rtol/atol 1e-5.
"""
import pytest

from tests.ops.compare import cases, check_against_tflm


@pytest.mark.parametrize("dtype,seed", cases("add"))
def test_add_matches_tflm(dtype, seed):
    check_against_tflm("add", dtype, seed)
