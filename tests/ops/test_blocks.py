"""Multi-op blocks of real TinyML models (tests/op_models/blocks.py: MobileNetV2 inverted residual,
squeeze-excite, detector head, attention, audio front), post-training quantised as a converter
would: the NumPy reference equals tflite-micro (int8 bit-exact, float32 within 1e-5), and the
generated C equals the reference on the host and on the emulated Cortex-M4 (qemu-mps2-an386)."""
import pytest

from tests.op_models.blocks import BLOCKS, make_block
from tests.ops.compare import check_model_against_tflm, check_model_c

CASES = [(name, dtype, seed) for name in BLOCKS for dtype in ("int8", "float32") for seed in range(3)]


@pytest.mark.parametrize("name,dtype,seed", CASES)
def test_block_matches_tflm(name, dtype, seed):
    check_model_against_tflm(make_block(name, seed, dtype), seed, f"{name} {dtype} seed {seed}")


@pytest.mark.parametrize("name,dtype,seed", CASES)
def test_block_c_on_host(name, dtype, seed, tmp_path):
    check_model_c(make_block(name, seed, dtype), f"{name}_{dtype}_{seed}", dtype, seed, tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("name,dtype", [(name, dtype) for name in BLOCKS for dtype in ("int8", "float32")])
def test_block_on_cortex_m4(name, dtype, tmp_path):
    check_model_c(make_block(name, 0, dtype), f"{name}_{dtype}", dtype, 0, tmp_path, board="qemu-mps2-an386")
