"""Every int8 model runs bit-exact on the Cortex-M55 (qemu-mps3-an547) with its default kernels:
the Helium ones wherever they apply (the DSP ones elsewhere), with the default priority, with speed
(more scratch: the columns and depthwise rings in the arena rather than on the stack or shrunk)
and with ram (the leanest knobs). The float model runs its convolutions on the MVE-F kernels
(codegen_c/mvef.py), within the runner's float tolerance of the reference."""
import pytest

from aot.driver.compiler import compile_file
from aot.driver.reference import random_inputs
from aot.driver.runner import run_on_board
from aot.target.boards import load_board
from tests.models_list import INT8_MODELS, model_path

BOARD = "qemu-mps3-an547"


@pytest.mark.qemu
@pytest.mark.parametrize("name", INT8_MODELS)
def test_int8_model_on_cortex_m55(name, tmp_path):
    b = load_board(BOARD)
    cm = compile_file(model_path(name), board=b)
    assert any(v.name == "mve" for v in cm.variants.values())  # each has a convolution or a fully connected layer
    result = run_on_board(cm, b, random_inputs(cm.graph, 7), build_dir=tmp_path)
    assert result.match and result.max_abs_diff == 0, [(c.name, c.max_abs_diff) for c in result.comparisons]


@pytest.mark.qemu
@pytest.mark.parametrize("priority,name", [(p, m) for p in ("speed", "ram") for m in ("kws_ref_model_int8", "vww_96_int8", "ic_resnet8_int8")])
def test_mve_model_with_priority(priority, name, tmp_path):
    b = load_board(BOARD)
    cm = compile_file(model_path(name), board=b, priority=priority)
    result = run_on_board(cm, b, random_inputs(cm.graph, 3), build_dir=tmp_path)
    assert result.match and result.max_abs_diff == 0, [(c.name, c.max_abs_diff) for c in result.comparisons]


@pytest.mark.qemu
@pytest.mark.parametrize("priority", ["balanced", "speed"])
def test_float_model_on_mvef(priority, tmp_path):
    b = load_board(BOARD)
    cm = compile_file(model_path("ic_resnet8_float32"), board=b, priority=priority)
    convs = [cm.variants[i].name for i, op in enumerate(cm.graph.ops) if op.kind == "conv2d"]
    assert convs and all(v == "mvef" for v in convs), convs
    result = run_on_board(cm, b, random_inputs(cm.graph, 5), build_dir=tmp_path)
    assert result.match, [(c.name, c.max_abs_diff, c.tolerance) for c in result.comparisons]
