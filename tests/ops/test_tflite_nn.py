"""TFLite NN builtins (RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, BATCH_MATMUL, TRANSPOSE_CONV, L2_POOL_2D,
L2_NORMALIZATION): NumPy reference vs tflite-micro
and generated C (host) vs the reference on random single-op models; int8 bit-exact, float32 within
1e-5; unsupported configurations refused with one problem naming the operator.
"""
import numpy as np

from tests.op_models import Model, i32
from tests.ops.compare import op_tests, refusals

OPS = ["resize_nearest_neighbor", "resize_bilinear", "batch_matmul", "transpose_conv", "l2_pool_2d", "l2_normalization"]

test_matches_tflm, test_c_matches_reference = op_tests(OPS)


def test_resize_refuses_a_non_constant_size():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (1, 3, 3, 2))
    size = m.tensor("size", (2,), dtype="int32", graph_input=True)
    y = m.output((1, 6, 6, 2))
    problems = refusals(m.finish("RESIZE_BILINEAR", [x, size], [y]))
    assert problems == [("#0", "RESIZE_BILINEAR", "the size operand must be a constant tensor")]


def test_resize_bilinear_refuses_requantisation():
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (1, 3, 3, 2), (0.1, 0))
    y = m.output((1, 6, 6, 2), quant=(0.2, 1))
    problems = refusals(m.finish("RESIZE_BILINEAR", [x, i32(m, "size", [6, 6])], [y]))
    assert len(problems) == 1 and problems[0][1] == "RESIZE_BILINEAR" and "quantised alike" in problems[0][2]


def test_l2_normalization_int8_small_and_large_sums(tmp_path):
    """Sums of squares 0 and 1 (GetInvSqrtQuantizedMultiplierExp's special case), 2 (a negative
    shift turned into a left shift of the multiplier) and >= 2^29 (the divide-by-4 loop): the
    reference equals tflite-micro, the host C the reference."""
    import hashlib
    from pathlib import Path

    from aot.driver.compiler import compile_graph
    from aot.driver.reference import run_graph
    from aot.driver.runner import run_on_board
    from aot.frontends.tflite import load_tflite
    from aot.target.boards import load_board
    from tests.tflm import run_tflm

    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (5, 32000), (0.05, 3))
    y = m.output((5, 32000), quant=(1 / 128, 0))
    model = m.finish("L2_NORMALIZATION", [x], [y], table="L2NormOptions")
    rows = np.full((5, 32000), 3, np.int8)
    rows[1, 7] = 4
    rows[2, :2] = (4, 2)
    rows[3] = -128
    rows[4, ::3] = 127
    g = load_tflite(model)
    got = run_graph(g, {g.inputs[0]: rows})[g.outputs[0]]
    np.testing.assert_array_equal(got, run_tflm(model, [rows])[0])
    cm = compile_graph(g, Path("l2n.tflite"), hashlib.sha256(model).hexdigest())
    result = run_on_board(cm, load_board("host"), {g.inputs[0]: rows}, build_dir=Path(tmp_path))
    assert [c.max_abs_diff for c in result.comparisons] == [0]


def test_int8_l2_pool_is_refused():
    m = Model(np.random.default_rng(0), "int8")
    q = (0.1, 0)
    x = m.input("x", (1, 4, 4, 2), q)
    y = m.output((1, 2, 2, 2), quant=q)
    problems = refusals(m.finish("L2_POOL_2D", [x], [y], table="Pool2DOptions", padding=1, stride_h=2, stride_w=2,
                                 filter_height=2, filter_width=2))
    assert len(problems) == 1 and problems[0][1] == "L2_POOL_2D" and "float32 only" in problems[0][2]


def test_transpose_conv_fused_activation_is_refused():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (1, 3, 3, 2))
    w, _ = m.weights("w", (4, 3, 3, 2), 0, 18)
    y = m.output((1, 6, 6, 4))
    problems = refusals(m.finish("TRANSPOSE_CONV", [i32(m, "shape", (1, 6, 6, 4)), w, x], [y], padding=0,
                                 stride_h=2, stride_w=2, fused_activation_function=1))
    assert len(problems) == 1 and problems[0][1] == "TRANSPOSE_CONV" and "fused activation" in problems[0][2]
