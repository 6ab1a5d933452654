"""SVDF against tflite-micro: single inferences (op_tests), and sequences of inferences on one
interpreter whose variable tensors carry over, including after a reset; the host C likewise."""
from __future__ import annotations

import numpy as np
import pytest

from aot.driver.reference import initial_state, run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import make, random_inputs
from tests.ops.compare import assert_same, cases, compile_model, op_tests, refusals
from tests.tflm import run_tflm_steps

OPS = ["SVDF"]
test_matches_tflm, test_c_matches_reference = op_tests(OPS)

STEPS = 4  # then a reset and one more step, on the first step's inputs


def _sequence(model: bytes, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [random_inputs(model, rng) for _ in range(STEPS)]


@pytest.mark.parametrize("op,dtype,seed", [(op, *c) for op in OPS for c in cases(op)])
def test_steps_match_tflm(op, dtype, seed):
    model = make(op, seed, dtype)
    steps = _sequence(model, seed)
    want = run_tflm_steps(model, [*steps, steps[0]], reset_before=[STEPS])
    g = load_tflite(model)
    state = initial_state(g)
    for k, inputs in enumerate([*steps, steps[0]]):
        if k == STEPS:
            assert any(not np.array_equal(v, initial_state(g)[n]) for n, v in state.items()), "the state should move"
            state = initial_state(g)
        got = run_graph(g, dict(zip(g.inputs, inputs)), state=state)
        assert_same(got[g.outputs[0]], want[k][0], f"{op} {dtype} seed {seed} step {k}")


@pytest.mark.parametrize("dtype,seed", [("int8", 0), ("int8", 1), ("float32", 0)])
def test_c_steps_match_reference(dtype, seed, tmp_path):
    from aot.driver.runner import run_sequence
    from aot.target.boards import load_board

    model = make("SVDF", seed, dtype)
    cm = compile_model(model, f"svdf_steps_{dtype}_{seed}")
    assert cm.plan.state_bytes >= cm.graph.tensor(cm.graph.state()[0]).nbytes
    sequence = [dict(zip(cm.graph.inputs, x)) for x in _sequence(model, seed)]
    results = run_sequence(cm, load_board("host"), sequence, reset=True, build_dir=tmp_path)
    assert len(results) == STEPS + 1
    for k, r in enumerate(results):
        assert r.match and (dtype == "float32" or r.max_abs_diff == 0), (k, r.max_abs_diff)
    np.testing.assert_array_equal(results[-1].outputs[cm.graph.outputs[0]], results[0].outputs[cm.graph.outputs[0]])


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
