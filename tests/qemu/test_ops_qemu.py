"""Every single-op generator of tests/op_models (seed 0, each dtype it supports; a generator added
later is covered without a line here) as generated C on the Cortex-M targets, where int32_t is
`long` and other promotions than the host's appear: built for the emulated Cortex-M4
(qemu-mps2-an386, with the DSP kernels its board enables) and run through the RPC, int8 bit-exact
with the NumPy reference and float within tolerance; compiled, not run, for the Cortex-M55
(qemu-mps3-an547, hard float) with the firmware's flags (-Wall -Wextra -Wconversion -Werror ...)."""
import subprocess

import pytest

from aot.driver.compiler import emit
from aot.target.boards import load_board
from aot.target.build import recipe
from tests.op_models import CASES, make
from tests.ops.compare import check_model_c, compile_model

pytestmark = pytest.mark.qemu

SEED = 0


@pytest.mark.parametrize("op,dtype", CASES)
def test_op_on_cortex_m4(op, dtype, tmp_path):
    check_model_c(make(op, SEED, dtype), f"{op}_{dtype}", dtype, SEED, tmp_path, board="qemu-mps2-an386")


@pytest.mark.parametrize("op,dtype", CASES)
def test_op_compiles_for_cortex_m55(op, dtype, tmp_path):
    board = load_board("qemu-mps3-an547")
    emit(compile_model(make(op, SEED, dtype), f"{op}_{dtype}", board), tmp_path)
    r = recipe(board, include_dirs=[tmp_path])
    sources = sorted(tmp_path.glob("*.c"))
    assert sources
    for src in sources:
        cmd = [board.cc, *r.cflags, *(f"-I{d}" for d in r.include_dirs), "-c", str(src), "-o", str(src.with_suffix(".o"))]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stderr, f"{op} {dtype} for {board.name}, {src.name}:\n{proc.stderr}"
