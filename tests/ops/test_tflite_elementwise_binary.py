"""TFLite elementwise builtins of two inputs with NumPy broadcasting onto the binary kind: SUB, MUL,
MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, DIV (int8, float32, int32), FLOOR_DIV, FLOOR_MOD (float32); ADD_N
(2 to 4 inputs of one shape, int8 and float32) onto add_n; the fused activations of SUB, MUL, DIV (RELU, RELU6, RELU_N1_TO_1). NumPy reference vs tflite-micro and
generated C (host) vs the reference on random single-op models (random shapes, broadcasts,
quantisation, constant operands), int8 bit-exact, float32 within 1e-5; unsupported configurations
are refused with one problem naming the operator.
"""
import numpy as np
import pytest

from aot.driver.reference import run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import BINARY, Model
from tests.ops.compare import assert_same, check_in_place, op_tests, refusals
from tests.tflm import run_tflm

OPS = [op.lower() for op in BINARY] + ["add_n"]


test_matches_tflm, test_c_matches_reference = op_tests(OPS)


@pytest.mark.parametrize("op", [op for op, dtypes in BINARY.items() if "int8" not in dtypes])
def test_int8_is_refused(op):
    m = Model(np.random.default_rng(0), "int8")
    model = m.finish(op, [m.input("a", (2, 3)), m.input("b", (2, 3))], [m.output((2, 3))],
                     **({"activation": "NONE"} if op == "DIV" else {}))
    assert refusals(model) == [("#0", op, f"int8 {op} is not supported yet")]


@pytest.mark.parametrize("op", ["SUB", "MUL", "DIV"])
def test_tanh_activation_is_refused(op):
    m = Model(np.random.default_rng(0), "float32")
    model = m.finish(op, [m.input("a", (2, 3)), m.input("b", (3,))], [m.output((2, 3))], activation="TANH")
    assert refusals(model) == [("#0", op, "fused activation TANH is not supported")]


@pytest.mark.parametrize("op", ["MAXIMUM", "MINIMUM"])
def test_int8_max_min_need_one_quantisation(op):
    m = Model(np.random.default_rng(0), "int8")
    model = m.finish(op, [m.input("a", (2, 3), (0.1, 3)), m.input("b", (2, 3), (0.1, 3))], [m.output((2, 3), quant=(0.2, 3))])
    fn = op[:3].lower()
    assert refusals(model) == [("#0", op, f"int8 {fn} needs one quantisation shared by both inputs and the output")]


def test_int8_add_n_needs_one_quantisation():
    m = Model(np.random.default_rng(0), "int8")
    model = m.finish("ADD_N", [m.input("a", (2, 3), (0.1, 3)), m.input("b", (2, 3), (0.2, 3))], [m.output((2, 3))])
    assert refusals(model) == [("#0", "ADD_N", "int8 add_n needs one quantisation shared by all inputs")]


@pytest.mark.parametrize("op", ["SUB", "MUL", "DIV", "SQUARED_DIFFERENCE"])
@pytest.mark.parametrize("seed", range(3))
def test_int8_every_pair_matches_tflm(op, seed):
    """All 65536 (a, b) pairs at random quantisations (DIV: b at its zero point too, and final
    shifts past 31)."""
    rng = np.random.default_rng(seed)
    m = Model(rng, "int8")
    a, b = m.input("a", (256, 256)), m.input("b", (256, 256))
    scale = float(np.exp(rng.uniform(np.log(1e-3), np.log(50.0))))
    model = m.finish(op, [a, b], [m.output((256, 256), quant=(scale, int(rng.integers(-128, 128))))],
                     **({"activation": "NONE"} if op in ("SUB", "MUL", "DIV") else {}))
    grid = np.meshgrid(np.arange(-128, 128, dtype=np.int8), np.arange(-128, 128, dtype=np.int8), indexing="ij")
    g = load_tflite(model)
    got = run_graph(g, dict(zip(g.inputs, grid)))[g.outputs[0]]
    assert_same(got, run_tflm(model, grid)[0], f"{op} every pair, seed {seed}")


@pytest.mark.parametrize("op,dtype", [("SUB", "int8"), ("MUL", "float32"), ("DIV", "int8"), ("MAXIMUM", "int32"),
                                      ("SQUARED_DIFFERENCE", "int8"), ("ADD_N", "int8")])
def test_runs_in_place(op, dtype, tmp_path):
    m = Model(np.random.default_rng(1), dtype)
    q = (0.05, 2)
    a, b = m.input("a", (3, 4, 5), q), m.input("b", (4, 5), q)
    if op == "ADD_N":
        a, b = m.input("a", (3, 4, 5), q), m.input("b", (3, 4, 5), q)
    model = m.finish(op, [a, b], [m.output((3, 4, 5), quant=(0.1, -3))], **({"activation": "RELU"} if op in ("SUB", "MUL", "DIV") else {}))
    check_in_place(model, tmp_path)


def test_int8_div_output_scale_out_of_range_is_refused():
    m = Model(np.random.default_rng(0), "int8")
    model = m.finish("DIV", [m.input("a", (2, 3), (0.05, 0)), m.input("b", (2, 3), (0.02, 0))],
                     [m.output((2, 3), quant=(1e-9, 0))], activation="NONE")
    assert refusals(model) == [("#0", "DIV", "int8 div: the output scale 1e-09 is out of range for the input scales")]
