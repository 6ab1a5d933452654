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
from codegen_c.registry import declared
from tests.op_models import CASES, make
from tests.ops.compare import check_model_c, compile_model

pytestmark = pytest.mark.qemu

SEED = 0
M4 = "qemu-mps2-an386"
# Seeds searched for a model on which the M4 build picks a kernel (a DSP one) that seed 0's does not.
KERNEL_SEEDS = range(1, 16)


def chosen(cm) -> set[str]:
    return {c.name for c in cm.variants.values()}


def feature_kernels(cm, board) -> set[str]:
    """The kernels needing CPU features the board has, declared for the kinds of cm's ops."""
    return {k.name for op in cm.graph.ops for k in declared(op.kind) if k.features and k.features <= set(board.features)}


@pytest.mark.parametrize("op,dtype", CASES)
def test_op_on_cortex_m4(op, dtype, tmp_path):
    """Seed 0, then for each DSP kernel of the op seed 0 does not pick, the first seed whose model
    it is picked for (if any: e.g. the DSP ADD wants same-shape inputs)."""
    board = load_board(M4)
    seeds = [SEED]
    cm = compile_model(make(op, SEED, dtype), op, board)
    missing = feature_kernels(cm, board) - chosen(cm)
    for seed in KERNEL_SEEDS:
        if not missing:
            break
        picked = chosen(compile_model(make(op, seed, dtype), op, board)) & missing
        if picked:
            seeds.append(seed)
            missing -= picked
    for seed in seeds:
        check_model_c(make(op, seed, dtype), f"{op}_{dtype}_{seed}", dtype, seed, tmp_path / str(seed), board=M4)


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
