"""UNIDIRECTIONAL_SEQUENCE_LSTM: the NumPy reference equals tflite-micro (int8 bit for bit, float32
within 1e-5) on random models (tests/op_models/lstm.py), over several consecutive invocations
with the output and cell state carried from one to the next; the generated C equals the
reference over sequences of inferences and a reset (portable kernel; DSP kernel on the host
through the plain-C twins of SMLAD / SXTB16, and on the emulated Cortex-M4); the LSTM variants
tflite-micro refuses are refused by name."""
import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from aot.driver.compiler import compile_graph
from aot.driver.reference import initial_state, run_graph
from aot.driver.runner import run_sequence
from aot.frontends.tflite import load_tflite
from aot.ops import lstm
from aot.target.boards import load_board
from tests.models_list import model_path
from tests.op_models import lstm as lstm_models
from tests.op_models import make, random_inputs
from tests.ops.compare import assert_same, cases, op_tests, refusals
from tests.tflm import run_tflm_steps

OP = "unidirectional_sequence_lstm"
INVOCATIONS = 4

test_matches_tflm, test_c_matches_reference = op_tests([OP])


def check_steps_against_tflm(model: bytes, seed: int, what: str) -> None:
    """Invocation after invocation on fresh inputs, then after a reset of the state, tflite-micro's
    outputs equal the reference's, which keeps its state dict across run_graph calls."""
    g = load_tflite(model)
    rng = np.random.default_rng(seed)
    steps = [random_inputs(model, rng) for _ in range(2 * INVOCATIONS)]
    want = run_tflm_steps(model, steps, reset_before=(INVOCATIONS,))
    state = initial_state(g)
    for k, inputs in enumerate(steps):
        if k == INVOCATIONS:
            state = initial_state(g)
        got = run_graph(g, dict(zip(g.inputs, inputs)), state=state)
        for name, w in zip(g.outputs, want[k]):
            assert_same(got[name], w, f"{what} invocation {k}")


@pytest.mark.parametrize("dtype,seed", cases(OP))
def test_state_carries_over_invocations_like_tflm(dtype, seed):
    check_steps_against_tflm(make(OP, seed, dtype), seed, f"{dtype} seed {seed}")


@pytest.mark.parametrize("power", range(-15, -7))
def test_every_cell_state_scale_like_tflm(power):
    """Each power-of-two cell state scale from 2^-15 to 2^-8 (the tanh of the cell state scales
    its input differently for each)."""
    model = lstm_models.make_unidirectional_sequence_lstm(np.random.default_rng([-power, 19]), "int8", cell_power=power)
    check_steps_against_tflm(model, -power, f"cell scale 2^{power}")


def test_mnist_lstm_model_matches_tflm_over_invocations():
    """models/mnist_lstm_int8.tflite (LSTM, reshape, fully connected, softmax), several inputs in a
    row and after a reset: every output equals tflite-micro's, the LSTM state carried over."""
    check_steps_against_tflm(model_path("mnist_lstm_int8").read_bytes(), 14, "mnist_lstm_int8")


def test_int16_tables_follow_sigmoid_and_tanh():
    """Over every int16 input, TFLite's table interpolations stay within 2^-12 of the functions
    they stand for (Q3.12 in, Q0.15 out; the cell tanh of a Q0.15 cell state too), saturate at
    the ends and are odd / point-symmetric like them."""
    x = np.arange(-32768, 32768)
    s = lstm.sigmoid16(x) / 32768
    assert np.abs(s - 1 / (1 + np.exp(-x / 4096))).max() < 2 ** -12
    t = lstm.tanh16(x, *lstm.tanh_scaling(-12)) / 32768
    assert np.abs(t - np.tanh(x / 4096)).max() < 2 ** -12
    cell = lstm.tanh16(x, *lstm.tanh_scaling(-15)) / 32768
    assert np.abs(cell - np.tanh(x / 32768)).max() < 2 ** -12
    assert lstm.sigmoid16(np.array([0])).tolist() == [16384] and lstm.tanh16(np.array([0]), 3, 0).tolist() == [0]


def _dsp_board(name: str):
    return dataclasses.replace(load_board(name), features=("dsp",))


def check_c_sequence(model: bytes, seed: int, board, tmp_path, kernel: str) -> None:
    """The C of ``model`` with ``kernel`` on ``board`` equals the reference over a sequence of
    inferences and one more after a reset (state carried in the state area, RPC RESET)."""
    g = load_tflite(model)
    cm = compile_graph(g, Path(f"lstm_{seed}.tflite"), hashlib.sha256(model).hexdigest(), board=board,
                       priority="speed" if kernel == "dsp" else "balanced")
    assert cm.variants[0].name == kernel
    rng = np.random.default_rng(seed)
    sequence = [dict(zip(cm.graph.inputs, random_inputs(model, rng))) for _ in range(3)]
    results = run_sequence(cm, board, sequence, reset=True, build_dir=tmp_path)
    for k, r in enumerate(results):
        assert r.match and (g.tensor(g.outputs[0]).dtype == "float32" or r.max_abs_diff == 0), \
            (k, [(c.name, c.max_abs_diff) for c in r.comparisons])


@pytest.mark.parametrize("dtype,seed", [(d, s) for d in ("int8", "float32") for s in range(3)])
def test_portable_c_over_a_sequence_on_host(dtype, seed, tmp_path):
    check_c_sequence(make(OP, seed, dtype), seed, load_board("host"), tmp_path, "portable")


@pytest.mark.parametrize("seed", range(8))
def test_dsp_kernel_over_a_sequence_on_host(seed, tmp_path):
    """The DSP kernel through the host's C twins of SMLAD / SXTB16; the random sizes (1..12)
    cover inputs and units below, at and beyond a word of 4, with and without a tail."""
    check_c_sequence(make(OP, seed, "int8"), seed, _dsp_board("host"), tmp_path, "dsp")


@pytest.mark.qemu
@pytest.mark.parametrize("seed", range(4))
def test_dsp_kernel_over_a_sequence_on_qemu(seed, tmp_path):
    """The DSP kernel with the real instructions (Cortex-M4, qemu-mps2-an386)."""
    check_c_sequence(make(OP, seed, "int8"), seed, load_board("qemu-mps2-an386"), tmp_path, "dsp")


@pytest.mark.qemu
@pytest.mark.parametrize("dtype,board", [("int8", "qemu-mps2-an385"), ("float32", "qemu-mps2-an386")])
def test_portable_c_over_a_sequence_on_qemu(dtype, board, tmp_path):
    """The portable kernel on a core without the DSP extension (Cortex-M3), and float32 with
    the M4's FPU (expf, tanhf)."""
    check_c_sequence(make(OP, 1, dtype), 1, load_board(board), tmp_path, "portable")


REFUSED = {
    "peephole": "peephole LSTM variant is not supported",
    "projection": "projection LSTM variant is not supported",
    "layer_norm": "layer norm LSTM variant is not supported",
    "cifg": "CIFG",
    "sigmoid_cell": "cell gate activation must be TANH",
    "per_channel": "must be per-tensor symmetric",
    "coarse_cell": "is too large",
    "state_inputs": "must be a variable tensor",
}


@pytest.mark.parametrize("variant", sorted(REFUSED))
def test_variants_tflm_refuses_are_refused(variant):
    model = lstm_models.make_unidirectional_sequence_lstm(np.random.default_rng(0), "int8", variant=variant)
    problems = refusals(model)
    assert [p for p in problems if p[1] == "UNIDIRECTIONAL_SEQUENCE_LSTM" and REFUSED[variant] in p[2]], problems
