"""Every supported int8 model runs bit-exact on the emulated Cortex-M4 through the RPC; a
smaller set on the other QEMU boards; float models on the M4 within the float tolerance."""
import pytest

from aot.driver.compiler import compile_file
from aot.driver.reference import random_inputs
from aot.driver.runner import run_on_board
from aot.target.boards import load_board
from tests.models_list import FLOAT_MODELS, INT8_MODELS, model_path

pytestmark = pytest.mark.qemu

SMALL_SET = ["kws_ref_model_int8", "ic_resnet8_int8", "micro_speech_int8", "hello_world_int8"]
OTHER_BOARDS = ["qemu-mps2-an385", "qemu-mps2-an500", "qemu-mps3-an547"]

CASES = ([("qemu-mps2-an386", m) for m in INT8_MODELS + FLOAT_MODELS]
         + [(b, m) for b in OTHER_BOARDS for m in SMALL_SET])


@pytest.mark.parametrize("board,name", CASES)
def test_model_on_qemu(board, name, tmp_path):
    cm = compile_file(model_path(name))
    result = run_on_board(cm, load_board(board), random_inputs(cm.graph, 5), build_dir=tmp_path)
    assert result.match, [(c.name, c.max_abs_diff, c.tolerance) for c in result.comparisons]
    if name in INT8_MODELS:
        assert result.max_abs_diff == 0
    assert result.counter_unit == "instructions"
    # at least one instruction per MAC: a counter that is not running would report ~0
    assert result.counter > cm.macs
    assert result.firmware.build.flash_bytes > 0 and result.firmware.build.ram_bytes >= cm.plan.arena_bytes
