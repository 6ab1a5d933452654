"""Every supported bundled model: the NumPy reference agrees with tflite-micro, and the
generated C on the host (through the RPC) agrees with the reference (int8 bit-exact)."""
import numpy as np
import pytest

from aot.driver.compiler import compile_file
from aot.driver.reference import random_inputs, run_graph
from aot.driver.runner import run_on_board
from aot.target.boards import load_board
from tests.models_list import FLOAT_MODELS, INT8_MODELS, model_path
from tests.tflm import run_tflm

SEEDS = (0, 1)


@pytest.mark.parametrize("name", INT8_MODELS + FLOAT_MODELS)
def test_reference_matches_tflite_micro(name):
    path = model_path(name)
    cm = compile_file(path)
    for seed in SEEDS:
        inputs = random_inputs(cm.graph, seed)
        ours = run_graph(cm.graph, inputs)
        theirs = run_tflm(path.read_bytes(), [inputs[n] for n in cm.graph.inputs])
        for out, want in zip(cm.graph.outputs, theirs):
            got = ours[out].reshape(want.shape)
            if name in INT8_MODELS:
                np.testing.assert_array_equal(got, want, err_msg=f"{name} seed {seed}")
            else:
                np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * float(np.abs(want).max()), err_msg=f"{name} seed {seed}")


@pytest.mark.parametrize("name", INT8_MODELS + FLOAT_MODELS)
def test_host_c_matches_reference(name, tmp_path):
    cm = compile_file(model_path(name))
    result = run_on_board(cm, load_board("host"), random_inputs(cm.graph, 3), build_dir=tmp_path)
    assert result.match, [(c.name, c.max_abs_diff, c.tolerance) for c in result.comparisons]
    if name in INT8_MODELS:
        assert result.max_abs_diff == 0
    assert result.counter > 0 and result.counter_unit == "ns"
