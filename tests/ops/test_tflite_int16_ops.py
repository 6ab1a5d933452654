"""int16 activations (TFLite's 16x8 mode) of the operators tflite-micro runs in int16, bit-exact:
the NumPy reference against tflite-micro on random single-op models (tests/op_models/int16_ops.py,
10 seeds) and the generated C on the host against the reference (3 seeds); the table-driven ones
(SOFTMAX, LOGISTIC, TANH) over every int16 input, with the power-of-two input scales TFLM treats
apart; the configurations tflite-micro refuses, refused; and the int8 -> int16 SOFTMAX, int16 ->
int32 QUANTIZE end of the keyword_scrambled model."""
import re

import numpy as np
import pytest

from aot.driver.compiler import emit
from aot.driver.reference import run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import Model
from tests.op_models.base import T
from tests.op_models.int16_ops import GENERATORS, tensor16
from tests.ops.compare import (
    assert_same,
    check_model_against_tflm,
    check_model_c,
    compile_model,
    op_tests,
    refusals,
)
from tests.tflm import run_tflm

OPS = list(GENERATORS)

test_matches_tflm, test_c_matches_reference = op_tests(OPS)


def test_softmax_int16_every_difference_matches_tflm():
    """Rows (d, 0) for every int16 difference d through tflite-micro and the reference: the whole
    exp table, and the reciprocal table over the sums of two exponentials."""
    m = Model(np.random.default_rng(0), "int8")
    n = 1 << 16
    x = tensor16(m, "x", (n, 2), 10 / 32768, graph_input=True)  # [-65535, 0] covers [-10, 0]
    model = m.finish("SOFTMAX", [x], [tensor16(m, "y", (n, 2), 1 / 32768)], beta=1.0)
    rows = np.stack([np.arange(-32768, 32768), np.zeros(n, np.int64)], axis=1).astype(np.int16)
    g = load_tflite(model)
    assert_same(run_graph(g, {g.inputs[0]: rows})[g.outputs[0]], run_tflm(model, [rows])[0], "int16 softmax")


@pytest.mark.parametrize("x_dtype,y_quant,reason", [
    ("int16", (1 / 65536, 0), "int16 -> int16 softmax output must have scale 1/32768 and zero point 0"),
    ("int16", (1 / 32768, 5), "int16 -> int16 softmax output must have scale 1/32768 and zero point 0"),
    ("int8", (1 / 32768, 0), "int8 -> int16 softmax output must have scale 1/65536 and zero point -32768"),
])
def test_softmax_int16_output_quantisation_tflm_refuses_is_refused(x_dtype, y_quant, reason):
    m = Model(np.random.default_rng(0), "int8")
    x = tensor16(m, "x", (2, 5), 0.001, graph_input=True) if x_dtype == "int16" else m.input("x", (2, 5))
    model = m.finish("SOFTMAX", [x], [tensor16(m, "y", (2, 5), *y_quant)], beta=1.0)
    assert refusals(model) == [("#0", "SOFTMAX", reason)]


def _int16_unary(op: str, shape, x_scale: float, y_quant=(1 / 32768, 0), **options) -> bytes:
    m = Model(np.random.default_rng(0), "int16")
    x = tensor16(m, "x", shape, x_scale, graph_input=True)
    return m.finish(op, [x], [tensor16(m, "y", shape, *y_quant)], **options)


# power-of-two input scales take TFLM's "pot" path (LOGISTIC 2^-12; TANH 2^-12, 2^-11), the others its multiplier
UNARY_SCALES = [2.0 ** -12, 2.0 ** -11, 2.0 ** -13, 2e-5, 1e-4, 3e-4, 1e-3]


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("x_scale", UNARY_SCALES)
def test_logistic_tanh_int16_every_input_matches_tflm(op, x_scale):
    model = _int16_unary(op, (1 << 16,), x_scale)
    x = np.arange(-32768, 32768).astype(np.int16)
    g = load_tflite(model)
    assert_same(run_graph(g, {g.inputs[0]: x})[g.outputs[0]], run_tflm(model, [x])[0], f"int16 {op} scale {x_scale}")


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("x_scale", UNARY_SCALES[:3])
def test_logistic_tanh_int16_power_of_two_scales_c(op, x_scale, tmp_path):
    check_model_c(_int16_unary(op, (64, 64), x_scale), f"{op.lower()}_pot", "int16", 0, tmp_path)


@pytest.mark.parametrize("op,x_zero_point,y_quant", [("LOGISTIC", 0, (1 / 256, 0)), ("TANH", 0, (1 / 32768, 3)),
                                                     ("TANH", 5, (1 / 32768, 0))])
def test_logistic_tanh_int16_configurations_tflm_refuses_are_refused(op, x_zero_point, y_quant):
    m = Model(np.random.default_rng(0), "int16")
    x = tensor16(m, "x", (2, 3), 0.001, x_zero_point, graph_input=True)
    model = m.finish(op, [x], [tensor16(m, "y", (2, 3), *y_quant)])
    assert refusals(model) == [("#0", op, f"int16 {op} needs zero points 0 and the output scale 1/32768")]


def test_relu_int16_zero_points_tflm_refuses_are_refused():
    assert refusals(_int16_unary("RELU", (2, 3), 0.001, (0.001, 4))) == \
        [("#0", "RELU", "int16 RELU needs zero points 0")]


def test_mul_int16_zero_points_tflm_refuses_are_refused():
    m = Model(np.random.default_rng(0), "int16")
    a, b = (tensor16(m, n, (2, 3), 0.001, graph_input=True) for n in "ab")
    model = m.finish("MUL", [a, b], [tensor16(m, "y", (2, 3), 0.001, 7)], activation="NONE")
    assert refusals(model) == [("#0", "MUL", "int16 mul needs zero points 0 on both inputs and the output (as TFLite Micro)")]


@pytest.mark.parametrize("seed", range(3))
def test_keyword_scrambled_tail_matches_tflm_and_c(seed, tmp_path):
    """SOFTMAX int8 -> int16 then QUANTIZE int16 -> int32, quantised as models/keyword_scrambled_int8.tflite
    ends: the reference against tflite-micro, the host C against the reference."""
    m = Model(np.random.default_rng(seed), "int8")
    x = m.input("x", (1, 12), quant=(0.06996273249387741, 2))
    p = tensor16(m, "p", (1, 12), 1.5259021893143654e-05, -32768)
    y = T(m.b.add_tensor("y", (1, 12), "int32", scale=3.0518509447574615e-05, zero_point=0), (1, 12))
    m.b.add_op("SOFTMAX", [x.index], [p.index], beta=1.0)
    model = m.finish("QUANTIZE", [p], [y])
    check_model_against_tflm(model, seed, f"softmax + quantize seed {seed}")
    check_model_c(model, f"keyword_tail_{seed}", "int32", seed, tmp_path)


def _int16_chain(seed: int) -> bytes:
    """float32 -> QUANTIZE int16 -> ADD (a constant) -> MAX_POOL_2D -> TANH -> SOFTMAX -> SOFTMAX -> DEQUANTIZE."""
    m = Model(np.random.default_rng(seed), "int16")
    x = m.input("x", (1, 6, 6, 5), dtype="float32")
    q = tensor16(m, "q", x.shape, 1 / 32768)
    c = m.const_like("c", (5,), (0.5 / 32768, 0))
    s = tensor16(m, "s", x.shape, 1.5 / 32768)
    p = tensor16(m, "p", (1, 3, 3, 5), 1.5 / 32768)
    t, y1, y2 = (tensor16(m, n, (1, 3, 3, 5), 1 / 32768) for n in ("t", "y1", "y2"))
    out = m.tensor("out", (1, 3, 3, 5), dtype="float32")
    m.b.add_op("QUANTIZE", [x.index], [q.index])
    m.b.add_op("ADD", [q.index, c.index], [s.index], activation="NONE")
    m.b.add_op("MAX_POOL_2D", [s.index], [p.index], filter=(2, 2), stride=(2, 2), padding="VALID", activation="NONE")
    m.b.add_op("TANH", [p.index], [t.index])
    m.b.add_op("SOFTMAX", [t.index], [y1.index], beta=1.0)
    m.b.add_op("SOFTMAX", [y1.index], [y2.index], beta=2.0)
    return m.finish("DEQUANTIZE", [y2], [out])


@pytest.mark.parametrize("seed", range(3))
def test_int16_chain_matches_tflm_and_c(seed, tmp_path):
    """int16 ops one after another (in place where the planner allows) against tflite-micro and on the host."""
    model = _int16_chain(seed)
    check_model_against_tflm(model, seed, f"int16 chain seed {seed}")
    check_model_c(model, f"int16_chain_{seed}", "float32", seed, tmp_path)


def test_int16_softmaxes_share_one_copy_of_the_tables(tmp_path):
    emit(compile_model(_int16_chain(0), "int16_chain"), tmp_path)
    source = (tmp_path / "model.c").read_text()
    assert len(re.findall(r"^(?:static )?const int16_t \w*softmax_int16_exp_lut\w*\[", source, re.M)) == 1
    assert len(re.findall(r"^(?:static )?const int16_t \w*softmax_int16_reciprocal_lut\w*\[", source, re.M)) == 1


@pytest.mark.parametrize("seed", range(6))
def test_mean_int16_over_h_w_kept_matches_tflm(seed, tmp_path):
    """MEAN of a 4-D tensor over H and W with keep_dims (a global average pool; TFLM's special case),
    the input's quantisation kept or not."""
    rng = np.random.default_rng(seed)
    m = Model(rng, "int16")
    shape = tuple(int(d) for d in rng.integers(1, 9, 4))
    x = m.input("x", shape)
    y_quant = (x.scale, 0) if seed % 2 else (x.scale * float(rng.uniform(0.3, 1.5)), 0)
    y = m.output((shape[0], 1, 1, shape[3]), quant=y_quant)
    model = m.finish("MEAN", [x, m.b.add_tensor("axis", (2,), "int32", data=np.array([1, 2], np.int32))], [y],
                     keep_dims=True)
    check_model_against_tflm(model, seed, f"int16 mean over H, W seed {seed}")
    check_model_c(model, f"mean_hw_{seed}", "int16", seed, tmp_path)
