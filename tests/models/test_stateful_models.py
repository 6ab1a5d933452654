"""Bundled models with state (variable tensors): over consecutive inferences, and after a
reset, the NumPy reference equals tflite-micro (outputs and every variable tensor), and the
generated C equals the reference on the host and on the emulated Cortex-M4 (bit-exact)."""
import numpy as np
import pytest
import tflite
from tflite_micro.python.tflite_micro import runtime

from aot.driver.compiler import compile_file, model_graph
from aot.driver.reference import initial_state, random_inputs, run_graph
from aot.driver.runner import run_sequence
from aot.frontends import load_model
from aot.target.boards import load_board
from tests.models_list import STATEFUL_MODELS, model_path

STEPS = 5


@pytest.mark.parametrize("name", STATEFUL_MODELS)
def test_reference_matches_tflite_micro_over_steps(name):
    path = model_path(name)
    g = model_graph(load_model(path))
    index = _flatbuffer_indices(path)
    interp = runtime.Interpreter.from_bytes(path.read_bytes(), arena_size=1 << 20,
                                            intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    state = initial_state(g)
    sequence = [random_inputs(g, seed) for seed in range(STEPS)]
    for k, inputs in enumerate([*sequence, sequence[0]]):
        if k == STEPS:
            interp.reset()
            state = initial_state(g)
        for i, n in enumerate(g.inputs):
            interp.set_input(inputs[n], i)
        interp.invoke()
        ours = run_graph(g, inputs, state=state)
        for i, n in enumerate(g.outputs):
            np.testing.assert_array_equal(ours[n].reshape(interp.get_output(i).shape), interp.get_output(i),
                                          err_msg=f"{name} step {k} output {n!r}")
        for n, value in state.items():
            theirs = interp.GetTensor(index[n], 0)["tensor_data"]
            np.testing.assert_array_equal(value.reshape(-1), np.asarray(theirs).reshape(-1), err_msg=f"{name} step {k} state {n!r}")


def _flatbuffer_indices(path) -> dict[str, int]:
    """{tensor name as the TFLite frontend gives it: index in the flatbuffer}: the name, else
    tensor_<i>; a repeated name gets #<i>."""
    sg = tflite.Model.GetRootAsModel(path.read_bytes(), 0).Subgraphs(0)
    names: dict[str, int] = {}
    for i in range(sg.TensorsLength()):
        base = (sg.Tensors(i).Name() or b"").decode("utf-8", "replace") or f"tensor_{i}"
        names[base if base not in names else f"{base}#{i}"] = i
    return names


def _check_sequence(name: str, board: str, tmp_path) -> None:
    cm = compile_file(model_path(name), board=load_board(board))
    assert cm.plan.state_bytes > 0
    sequence = [random_inputs(cm.graph, seed) for seed in range(3)]
    results = run_sequence(cm, load_board(board), sequence, reset=True, build_dir=tmp_path)
    assert len(results) == 4
    for k, r in enumerate(results):
        assert r.match and r.max_abs_diff == 0, (name, board, k, [(c.name, c.max_abs_diff) for c in r.comparisons])
    assert results[0].device["state_bytes"] == cm.plan.state_bytes


@pytest.mark.parametrize("name", STATEFUL_MODELS)
def test_host_c_matches_reference_over_steps(name, tmp_path):
    _check_sequence(name, "host", tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("name", STATEFUL_MODELS)
def test_qemu_c_matches_reference_over_steps(name, tmp_path):
    _check_sequence(name, "qemu-mps2-an386", tmp_path)
