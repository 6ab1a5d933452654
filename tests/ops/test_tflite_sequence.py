"""SVDF and resource variables against tflite-micro: single inferences (op_tests), and sequences
of inferences on one interpreter whose variable tensors carry over, including after a reset; the
host C likewise."""
from __future__ import annotations

import numpy as np
import pytest

from aot.driver.reference import initial_state, run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import make, random_inputs
from tests.op_models.sequence import make_svdf
from tests.ops.compare import assert_same, cases, compile_model, op_tests, refusals
from tests.tflm import run_tflm_steps

OPS = ["SVDF", "resource_variable"]
# TFLM's reset zeroes resource variables and does not run CALL_ONCE again; microaot's reset is a
# fresh start (the initialisation values): after a reset these compare with a fresh interpreter
FRESH_AFTER_RESET = {"resource_variable"}
test_matches_tflm, test_c_matches_reference = op_tests(OPS)

STEPS = 4  # then a reset and one more step, on the first step's inputs


def _sequence(model: bytes, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [random_inputs(model, rng) for _ in range(STEPS)]


@pytest.mark.parametrize("op,dtype,seed", [(op, *c) for op in OPS for c in cases(op)])
def test_steps_match_tflm(op, dtype, seed):
    model = make(op, seed, dtype)
    steps = _sequence(model, seed)
    if op in FRESH_AFTER_RESET:
        want = [*run_tflm_steps(model, steps), *run_tflm_steps(model, steps[:1])]
    else:
        want = run_tflm_steps(model, [*steps, steps[0]], reset_before=[STEPS])
    g = load_tflite(model)
    state = initial_state(g)
    for k, inputs in enumerate([*steps, steps[0]]):
        if k == STEPS:
            assert any(not np.array_equal(v, initial_state(g)[n]) for n, v in state.items()), "the state should move"
            state = initial_state(g)
        got = run_graph(g, dict(zip(g.inputs, inputs)), state=state)
        assert_same(got[g.outputs[0]], want[k][0], f"{op} {dtype} seed {seed} step {k}")


def _check_c_steps(model: bytes, name: str, board, tmp_path, kernel: str = "portable") -> None:
    """The C of ``model`` on ``board`` over STEPS inferences, a reset and one more equals the
    reference at every step (int8 bit-exact); its SVDF runs ``kernel``."""
    from aot.driver.runner import run_sequence

    cm = compile_model(model, name, board if kernel != "portable" else None, priority="speed")
    assert cm.variants[0].name == kernel  # the first op: the SVDF, or a READ_VARIABLE (portable)
    assert cm.plan.state_bytes >= cm.graph.tensor(cm.graph.state()[0]).nbytes
    sequence = [dict(zip(cm.graph.inputs, x)) for x in _sequence(model, 7)]
    results = run_sequence(cm, board, sequence, reset=True, build_dir=tmp_path)
    assert len(results) == STEPS + 1
    for k, r in enumerate(results):
        assert r.match and (r.comparisons[0].dtype == "float32" or r.max_abs_diff == 0), (k, r.max_abs_diff)
    np.testing.assert_array_equal(results[-1].outputs[cm.graph.outputs[0]], results[0].outputs[cm.graph.outputs[0]])


@pytest.mark.parametrize("op,dtype,seed", [("SVDF", "int8", 0), ("SVDF", "int8", 1), ("SVDF", "int8", 2),
                                           ("SVDF", "float32", 0), ("resource_variable", "int8", 0),
                                           ("resource_variable", "float32", 1)])
def test_c_steps_match_reference(op, dtype, seed, tmp_path):
    from aot.target.boards import load_board

    _check_c_steps(make(op, seed, dtype), f"{op}_steps_{dtype}_{seed}", load_board("host"), tmp_path)


def _dsp_model(seed: int) -> bytes:
    """int8 state, a memory of whole words: what the DSP kernel takes."""
    rng = np.random.default_rng([seed, 27])
    return make_svdf(rng, "int8", memory=int(rng.choice([4, 8, 12])), state="int8")


@pytest.mark.parametrize("seed", range(8))
def test_dsp_kernel_steps_on_host(seed, tmp_path):
    import dataclasses

    from aot.target.boards import load_board

    board = dataclasses.replace(load_board("host"), features=("dsp",))  # the C twins of the intrinsics
    _check_c_steps(_dsp_model(seed), f"svdf_dsp_{seed}", board, tmp_path, kernel="dsp")


@pytest.mark.qemu
@pytest.mark.parametrize("seed", range(2))
def test_dsp_kernel_steps_on_qemu(seed, tmp_path):
    from aot.target.boards import load_board

    _check_c_steps(_dsp_model(seed), f"svdf_dsp_{seed}", load_board("qemu-mps2-an386"), tmp_path, kernel="dsp")


def test_refuses_a_state_that_is_not_variable():
    from tests.tflite_builder import TFLiteBuilder

    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 4), "float32")
    wf = b.add_tensor("wf", (2, 4), "float32", data=np.ones((2, 4), np.float32))
    wt = b.add_tensor("wt", (2, 3), "float32", data=np.ones((2, 3), np.float32))
    bias = b.add_tensor("bias", (2,), "float32", data=np.zeros(2, np.float32))
    state = b.add_tensor("state", (1, 6), "float32")
    y = b.add_tensor("y", (1, 2), "float32")
    b.add_op("SVDF", [x, wf, wt, bias, state], [y], table="SVDFOptions", rank=1)
    b.set_io([x], [y])
    problems = refusals(b.finish())
    assert any("SVDF" in op and "variable" in why for _, op, why in problems), problems


def test_refuses_an_initialisation_that_computes():
    from tests.tflite_builder import TFLiteBuilder

    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 2), "float32")
    h = b.add_tensor("h", (), "resource")
    r = b.add_tensor("r", (1, 2), "float32")
    y = b.add_tensor("y", (1, 2), "float32")
    index, init = b.add_subgraph("init")
    ih = init.add_tensor("h", (), "resource")
    c = init.add_tensor("c", (1, 2), "float32", data=np.ones((1, 2), np.float32))
    c2 = init.add_tensor("c2", (1, 2), "float32")
    init.add_op("VAR_HANDLE", [], [ih], shared_name="v")
    init.add_op("ADD", [c, c], [c2])
    init.add_op("ASSIGN_VARIABLE", [ih, c2], [], table=None)
    b.add_op("CALL_ONCE", [], [], init_subgraph_index=index)
    b.add_op("VAR_HANDLE", [], [h], shared_name="v")
    b.add_op("READ_VARIABLE", [h], [r], table=None)
    b.add_op("ADD", [x, r], [y])
    b.set_io([x], [y])
    problems = refusals(b.finish())
    assert any(op == "CALL_ONCE" and "ADD" in why for _, op, why in problems), problems
