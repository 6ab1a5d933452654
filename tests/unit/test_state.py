"""The state mechanism (docs/architecture.md "State"): variable tensors live in the state area,
not the arena; ops that update one survive DCE and constant folding; the checks keep variables
out of op outputs and graph I/O; the generated C declares the state area and its reset."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op, Tensor
from aot.driver.reference import initial_state, run_graph
from aot.frontends.validate import check_graph
from aot.passes.dce import dce
from aot.passes.fold_constants import fold_constants
from aot.planner import plan_graph


def _svdf_graph(output_used: bool = True) -> Graph:
    """x -> svdf (float32, rank 1, 2 units, memory 3) -> y, its state a variable tensor."""
    rng = np.random.default_rng(0)
    t = {
        "x": Tensor("x", (1, 4), "float32"),
        "wf": Tensor("wf", (2, 4), "float32", data=rng.normal(size=(2, 4)).astype(np.float32)),
        "wt": Tensor("wt", (2, 3), "float32", data=rng.normal(size=(2, 3)).astype(np.float32)),
        "state": Tensor("state", (1, 6), "float32", variable=True, init=np.arange(6, dtype=np.float32).reshape(1, 6)),
        "y": Tensor("y", (1, 2), "float32"),
        "z": Tensor("z", (1, 4), "float32"),
    }
    ops = [Op("svdf", ["x", "wf", "wt", None, "state"], ["y"], {"rank": 1, "activation": "NONE"}),
           Op("reshape", ["x"], ["z"])]
    return Graph(t, ops, ["x"], ["y", "z"] if output_used else ["z"])


def test_dce_and_folding_keep_state_updates():
    g = dce(fold_constants(_svdf_graph(output_used=False)))
    assert [op.kind for op in g.ops] == ["svdf", "reshape"]
    assert g.state() == ["state"] and "state" not in g.activations()


def test_state_is_planned_apart_from_the_arena():
    g = _svdf_graph()
    plan = plan_graph(g)
    assert plan.state == {"state": 0} and plan.state_bytes == 24
    assert all(b.name != "state" for b in plan.buffers)
    assert plan.arena_bytes == sum(g.tensor(n).nbytes for n in ("x", "y", "z"))


def test_reference_keeps_and_resets_the_state():
    g = _svdf_graph()
    x = {"x": np.ones((1, 4), np.float32)}
    state = initial_state(g)
    np.testing.assert_array_equal(state["state"], np.arange(6, dtype=np.float32).reshape(1, 6))
    first = run_graph(g, x, state=state)["y"]
    second = run_graph(g, x, state=state)["y"]
    assert not np.allclose(first, second)  # the state moved on
    np.testing.assert_array_equal(run_graph(g, x)["y"], first)  # a fresh state each time without one
    np.testing.assert_array_equal(state["state"][0, 2::3], state["state"][0, 1::3])  # both last columns: wf @ x


def test_checks_keep_variables_in_place():
    g = _svdf_graph()
    g.ops.append(Op("reshape", ["x"], ["state"]))
    g.outputs.append("state")
    reasons = [why for _, _, why in check_graph(g)]
    assert any("as an output" in r for r in reasons) and any("is a variable" in r for r in reasons)
    g = _svdf_graph()
    g.tensors["state"].variable = False
    assert any("not a variable tensor" in why for _, _, why in check_graph(g))


def test_tflite_variable_starts_at_its_zero_point():
    from aot.frontends.tflite import load_tflite
    from tests.op_models import make

    for seed in range(4):
        g = load_tflite(make("SVDF", seed, "int8"))
        st = g.tensor(g.state()[0])
        assert st.variable and not st.is_const
        np.testing.assert_array_equal(st.initial_value(), np.full(st.shape, st.quant.tensor_zero_point, st.np_dtype))


def test_generated_c_declares_the_state_area(tmp_path):
    from aot.driver.compiler import compile_prepared, emit, prepare

    g, problems = prepare(_svdf_graph())
    assert not problems
    cm = compile_prepared(g, tmp_path / "m.tflite", "0" * 64)
    meta = emit(cm, tmp_path, prefix="kws")
    header, source = (tmp_path / "kws.h").read_text(), (tmp_path / "kws.c").read_text()
    assert "#define KWS_STATE_SIZE 24u" in header and "void kws_reset(uint8_t *state);" in header
    assert "static uint8_t kws_state_area[24]" in source and "((float *)kws_state)" in source
    assert meta["state_bytes"] == 24 and "state 24 bytes" in (tmp_path / "memory.txt").read_text()

