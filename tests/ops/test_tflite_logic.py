"""TFLite comparisons EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL (int8 as TFLite
Micro rescales both inputs, float32, int32; EQUAL / NOT_EQUAL bool) onto compare, LOGICAL_AND / OR /
NOT onto logical, SELECT_V2 (int8, float32 values) onto select, all with NumPy broadcasting and
bool results or conditions: NumPy reference vs tflite-micro and generated C (host) vs the reference on
random single-op models, int8 bit-exact; unsupported configurations refused with one problem.
"""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from aot.driver.compiler import compile_graph
from aot.driver.reference import run_graph
from aot.driver.runner import run_on_board
from aot.frontends.tflite import load_tflite
from aot.target.boards import load_board
from tests.op_models import Model
from tests.op_models.logic import COMPARISONS, LOGICAL
from tests.ops.compare import assert_same, check_in_place, op_tests, refusals
from tests.tflm import run_tflm

OPS = [op.lower() for op in (*COMPARISONS, *LOGICAL)] + ["select_v2"]


test_matches_tflm, test_c_matches_reference = op_tests(OPS)


@pytest.mark.parametrize("op", list(COMPARISONS))
@pytest.mark.parametrize("seed", range(3))
def test_int8_every_pair_matches_tflm(op, seed):
    """All 65536 (a, b) pairs, at random scales and zero points (seed 0: one quantisation)."""
    rng = np.random.default_rng(seed)
    m = Model(rng, "int8")
    qa = (float(rng.uniform(0.001, 0.9)), int(rng.integers(-128, 128)))
    qb = qa if seed == 0 else (float(rng.uniform(0.001, 0.9)), int(rng.integers(-128, 128)))
    model = m.finish(op, [m.input("a", (256, 256), qa), m.input("b", (256, 256), qb)], [m.output((256, 256), dtype="bool")])
    grid = np.meshgrid(np.arange(-128, 128, dtype=np.int8), np.arange(-128, 128, dtype=np.int8), indexing="ij")
    g = load_tflite(model)
    got = run_graph(g, dict(zip(g.inputs, grid)))[g.outputs[0]]
    assert_same(got, run_tflm(model, grid)[0], f"{op} every pair, seed {seed}")


def test_int8_select_needs_one_quantisation():
    m = Model(np.random.default_rng(0), "int8")
    c = m.input("c", (2, 3), dtype="bool")
    model = m.finish("SELECT_V2", [c, m.input("x", (2, 3), (0.1, 0)), m.input("y", (2, 3), (0.2, 0))],
                     [m.output((2, 3), quant=(0.1, 0))])
    assert refusals(model) == [("#0", "SELECT_V2", "int8 select needs one per-tensor quantisation shared by both values and the output")]


def test_float_logical_is_refused():
    m = Model(np.random.default_rng(0), "float32")
    model = m.finish("LOGICAL_AND", [m.input("a", (2, 3)), m.input("b", (2, 3))], [m.output((2, 3), dtype="bool")])
    assert refusals(model) == [("#0", "LOGICAL_AND", "float32 LOGICAL_AND is not supported yet")]


@pytest.mark.parametrize("op,dtype", [("LESS", "int8"), ("EQUAL", "bool"), ("LOGICAL_AND", "bool"), ("LOGICAL_NOT", "bool"),
                                      ("SELECT_V2", "float32"), ("SELECT_V2", "int8")])
def test_runs_in_place(op, dtype, tmp_path):
    m = Model(np.random.default_rng(1), dtype)
    q = (0.05, 2)
    if op == "SELECT_V2":
        xs, out = [m.input("c", (4, 5), dtype="bool"), m.input("x", (3, 4, 5), q), m.input("y", (5,), q)], m.output((3, 4, 5), quant=q)
    elif op == "LOGICAL_NOT":
        xs, out = [m.input("x", (3, 4, 5))], m.output((3, 4, 5))
    else:
        xs, out = [m.input("a", (3, 4, 5), q), m.input("b", (4, 5), q)], m.output((3, 4, 5), dtype="bool")
    check_in_place(m.finish(op, xs, [out]), tmp_path)


@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_chain_matches_tflm_and_c(dtype, tmp_path):
    """SUB -> MUL -> MAXIMUM -> LESS -> SELECT_V2 in one graph: the planner shares dying storage
    between the elementwise ops (in place) and the result still matches tflite-micro."""
    m = Model(np.random.default_rng(5), dtype)
    q1, q2, q3 = (0.05, 3), (0.04, -10), (0.1, 5)
    x, z = m.input("x", (2, 3, 4), q1), m.input("z", (3, 4), q1)
    d = m.tensor("d", (2, 3, 4), q2)
    p = m.tensor("p", (2, 3, 4), q3)
    mx = m.tensor("mx", (2, 3, 4), q3)
    lt = m.tensor("lt", (2, 3, 4), dtype="bool")
    y = m.output((2, 3, 4), quant=q3)
    m.b.add_op("SUB", [x.index, z.index], [d.index], activation="NONE")
    m.b.add_op("MUL", [d.index, x.index], [p.index], activation="RELU")
    m.b.add_op("MAXIMUM", [p.index, p.index], [mx.index])
    m.b.add_op("LESS", [mx.index, p.index], [lt.index])
    model = m.finish("SELECT_V2", [lt, mx, p], [y])
    inputs = [np.random.default_rng(0).integers(-128, 128, s).astype(np.int8) if dtype == "int8"
              else np.random.default_rng(0).uniform(-1, 1, s).astype(np.float32) for s in ((2, 3, 4), (3, 4))]
    g = load_tflite(model)
    assert_same(run_graph(g, dict(zip(g.inputs, inputs)))[g.outputs[0]], run_tflm(model, inputs)[0], f"chain {dtype}")
    cm = compile_graph(g, Path("chain.tflite"), hashlib.sha256(model).hexdigest())
    assert cm.plan.in_place, "some op of the chain should run in place"
    result = run_on_board(cm, load_board("host"), dict(zip(g.inputs, inputs)), build_dir=tmp_path)
    assert result.match and (dtype == "float32" or result.max_abs_diff == 0)
