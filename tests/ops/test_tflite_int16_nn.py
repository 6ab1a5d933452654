"""int16x8 (TFLite's 16x8 quantisation: int16 activations, zero point 0, int8 weights) CONV_2D,
DEPTHWISE_CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED: the NumPy reference vs tflite-micro on 10
random single-op models each (int64, int32 or no bias, per-channel scales, strides, padding,
dilation, fused activations), the host C vs the reference (bit-exact), the in-place kernels, and
the refusals of what TFLM's int16 kernels do not take."""
from pathlib import Path

import numpy as np
import pytest

from aot.core import quant
from tests.op_models import make
from tests.op_models.int16 import Model16
from tests.ops.compare import (
    C_SEEDS,
    SEEDS,
    check_against_tflm,
    check_c_against_reference,
    check_in_place,
    refusals,
)

OPS = ["conv_2d", "depthwise_conv_2d", "transpose_conv", "fully_connected"]


@pytest.mark.parametrize("op,seed", [(op, s) for op in OPS for s in SEEDS])
def test_matches_tflm(op, seed):
    check_against_tflm(op, "int16", seed)


@pytest.mark.parametrize("op,seed", [(op, s) for op in OPS for s in C_SEEDS])
def test_c_matches_reference(op, seed, tmp_path):
    check_c_against_reference(op, "int16", seed, tmp_path)


def test_generators_draw_every_bias_kind():
    """The seeds above cover int64, int32 (conv, fc) and absent biases: both accumulators."""
    from aot.frontends.tflite import load_tflite

    def bias(op, seed):
        g = load_tflite(make(op, seed, "int16"))
        b = g.ops[0].inputs[2] if len(g.ops[0].inputs) > 2 else None
        return None if b is None else g.tensor(b).dtype

    for op, kinds in (("conv_2d", {None, "int32", "int64"}), ("fully_connected", {None, "int32", "int64"}),
                      ("depthwise_conv_2d", {None, "int64"}), ("transpose_conv", {None, "int64"})):
        assert {bias(op, s) for s in SEEDS} == kinds, op


def test_mbqm64_is_tflm_int64_arithmetic():
    """MultiplyByQuantizedMultiplier(int64_t): multiplier rounded to 16 bits, one rounding shift;
    values worked by hand."""
    m = (1 << 30) + (1 << 15)  # 0.5 + 2^-16: reduced to (2^30 + 2^16) >> 16 = 2^14 + 1
    assert quant.mbqm64(1 << 20, m, 0).tolist() == ((1 << 20) * ((1 << 14) + 1) + (1 << 14)) >> 15
    assert quant.mbqm64(-3, 1 << 30, -1).tolist() == -1  # -3 * 2^14 / 2^16 = -0.75 -> floor(-0.75 + 0.5) = -1
    assert quant.mbqm64(5, 0x7FFF8000, 0).tolist() == 5  # multipliers from 0x7FFF0000 up reduce to 0x7FFF
    assert quant.mbqm64(1 << 40, 1 << 30, -4).tolist() == 0  # 2^35, truncated to int32 as TFLM's cast does


def _pointwise(dtype_bias: str | None, oc: int = 6) -> bytes:
    """A 1x1 stride-1 convolution of 6 input channels to ``oc``."""
    m = Model16(np.random.default_rng(1), ("int64",))
    x = m.input("x", (1, 5, 4, 6), (1e-3, 0))
    w, scales = m.weights("w", (oc, 1, 1, 6), 0, 6)
    y = m.output((1, 5, 4, oc), quant=(2e-3, 0))
    ins = [x, w]
    if dtype_bias:
        ins.append(m.b.add_tensor("b", (oc,), dtype_bias, data=np.arange(oc) * 1000 - 3000, scale=1e-3 * scales,
                                  zero_point=np.zeros(oc, np.int64)))
    return m.finish("CONV_2D", ins, [y], padding="VALID", stride=(1, 1), dilation=(1, 1), activation="NONE")


@pytest.mark.parametrize("bias", [None, "int32", "int64"])
def test_pointwise_conv_in_place(bias, tmp_path):
    check_in_place(_pointwise(bias), tmp_path)


def test_depthwise_in_place(tmp_path):
    m = Model16(np.random.default_rng(2), ("int64",))
    x = m.input("x", (1, 6, 5, 3), (1e-3, 0))
    w, _ = m.weights("w", (1, 3, 3, 3), 3, 9)
    y = m.output((1, 6, 5, 3), quant=(3e-3, 0))
    check_in_place(m.finish("DEPTHWISE_CONV_2D", [x, w], [y], depth_multiplier=1, padding="SAME", stride=(1, 1),
                            dilation=(1, 1), activation="RELU"), tmp_path)


def _fc(x_zero_point=0, bias_dtype="int64", w_dtype="int8") -> bytes:
    m = Model16(np.random.default_rng(3), ("int64",))
    x = m.input("x", (2, 8), (1e-3, x_zero_point))
    w = m.b.add_tensor("w", (4, 8), w_dtype, data=np.ones((4, 8)), scale=np.float32(0.01), zero_point=0)
    b = m.b.add_tensor("b", (4,), bias_dtype, data=np.zeros(4), scale=np.float32(1e-5), zero_point=0)
    y = m.output((2, 4), quant=(1e-3, 0))
    return m.finish("FULLY_CONNECTED", [x, w, b], [y])


def test_int16_refusals():
    assert [p[2] for p in refusals(_fc(x_zero_point=3))] == ["int16 activations need zero point 0 (TFLite's 16x8 quantisation)"]
    assert [p[2] for p in refusals(_fc(bias_dtype="int16"))] == ["int16 activations need an int32 or int64 bias, got int16"]
    assert [p[2] for p in refusals(_fc(w_dtype="int16"))] == [
        "int16 input needs int8 weights and an int16 output, got int16 weights and int16 output"]


def test_depthwise_int32_bias_is_refused():
    """TFLM's int16 depthwise reads its bias as int64 whatever its type: an int32 one is refused."""
    m = Model16(np.random.default_rng(4), ("int32",))
    x = m.input("x", (1, 4, 4, 2), (1e-3, 0))
    w, scales = m.weights("w", (1, 2, 2, 2), 3, 4)
    b = m.b.add_tensor("b", (2,), "int32", data=np.zeros(2), scale=1e-3 * scales, zero_point=np.zeros(2, np.int64))
    y = m.output((1, 3, 3, 2), quant=(1e-3, 0))
    problems = refusals(m.finish("DEPTHWISE_CONV_2D", [x, w, b], [y], depth_multiplier=1, padding="VALID",
                                 stride=(1, 1), dilation=(1, 1), activation="NONE"))
    assert [(p[1], p[2]) for p in problems] == [("DEPTHWISE_CONV_2D", "int16 activations need an int64 bias, got int32")]


# --- the int16x8 DSP kernels (dsp16: SXTB16 on the weights, SMLALD on int16 pairs, exact int64 sums)

DSP_CASES = [(op, s) for op in ("conv_2d", "fully_connected") for s in range(8)]


def _dsp16_exact(model: bytes, name: str, board, build_dir, in_place: bool = False, inputs=None,
                 priority: str = "speed") -> None:
    """``model`` compiled for ``board`` picks the dsp16 kernel (``in_place``: over its input) and
    runs bit-exact with the reference."""
    import dataclasses
    import hashlib
    from pathlib import Path

    from aot.driver.compiler import compile_graph
    from aot.driver.runner import run_on_board
    from aot.frontends.tflite import load_tflite
    from tests.op_models import random_inputs

    g = load_tflite(model)
    g.name = name
    # no cost model (cpu ""): the preference order, dsp16, even where the model finds the
    # portable kernel as fast (an FC with K = 1)
    cm = compile_graph(g, Path(f"{name}.tflite"), hashlib.sha256(model).hexdigest(),
                       board=dataclasses.replace(board, cpu=""), priority=priority)
    assert [v.name for v in cm.variants.values()] == ["dsp16"] and bool(cm.plan.in_place) == in_place, name
    if inputs is None:
        inputs = dict(zip(cm.graph.inputs, random_inputs(model, np.random.default_rng(len(name)))))
    result = run_on_board(cm, board, inputs, build_dir=Path(build_dir))
    assert [c.max_abs_diff for c in result.comparisons] == [0], name


def _host_dsp():
    """The host board with the "dsp" feature: the kernels' plain C twins of SXTB16/SMLALD."""
    import dataclasses

    from aot.target.boards import load_board

    return dataclasses.replace(load_board("host"), features=("dsp",))


@pytest.mark.parametrize("op,seed", DSP_CASES)
def test_dsp16_on_host(op, seed, tmp_path):
    _dsp16_exact(make(op, seed, "int16"), f"{op}_{seed}", _host_dsp(), tmp_path)


@pytest.mark.parametrize("seed", range(6))
def test_dsp16_conv_without_scratch_on_host(seed, tmp_path):
    """Priority ram keeps the portable arena: the conv's knob cols=0 (no columns, each tap read in
    place) is what fits, and it stays exact."""
    from aot.driver.compiler import compile_graph
    from aot.frontends.tflite import load_tflite

    model = make("conv_2d", seed, "int16")
    cm = compile_graph(load_tflite(model), Path("c.tflite"), "0", board=_host_dsp(), priority="ram")
    assert [(v.name, v.knobs) for v in cm.variants.values()] == [("dsp16", (("cols", 0),))]
    _dsp16_exact(model, f"conv_2d_direct_{seed}", _host_dsp(), tmp_path, priority="ram")


@pytest.mark.parametrize("bias,oc", [(None, 6), ("int32", 9), ("int64", 3)])
def test_dsp16_pointwise_in_place_on_host(bias, oc, tmp_path):
    """Same, fewer and more output channels than input ones (walking forward, backward)."""
    _dsp16_exact(_pointwise(bias, oc), f"pointwise_{bias}_{oc}", _host_dsp(), tmp_path, in_place=True)


@pytest.mark.qemu
@pytest.mark.parametrize("op,seed", DSP_CASES[::2])
def test_dsp16_on_cortex_m4(op, seed, tmp_path):
    """The real SXTB16/SMLALD on the emulated Cortex-M4 (qemu-mps2-an386)."""
    from aot.target.boards import load_board

    _dsp16_exact(make(op, seed, "int16"), f"{op}_{seed}", load_board("qemu-mps2-an386"), tmp_path)
    if op == "conv_2d":  # and without scratch, priority ram's choice
        _dsp16_exact(make(op, seed, "int16"), f"{op}_{seed}_direct", load_board("qemu-mps2-an386"), tmp_path / "direct",
                     priority="ram")


def _extreme(op: str) -> bytes:
    """K over 508 (the kernels' int32 runs of 127 groups end and are added to the int64 sums)
    with the largest products: weight rows of -128 and 127 meet inputs the test sets to -32768."""
    m = Model16(np.random.default_rng(5), ("int64",))
    rng = np.random.default_rng(6)
    if op == "conv_2d":
        ic, oc = 70, 7
        w = rng.integers(-128, 128, (oc, 3, 3, ic))
        w[0], w[1] = -128, 127
        x = m.input("x", (1, 4, 5, ic), (1e-3, 0))
        wt = m.b.add_tensor("w", w.shape, "int8", data=w, scale=np.full(oc, 0.01, np.float32),
                            zero_point=np.zeros(oc, np.int64), quantized_dimension=0)
        y = m.output((1, 4, 5, oc), quant=(40.0, 0))
        return m.finish("CONV_2D", [x, wt], [y], padding="SAME", stride=(1, 1), dilation=(1, 1), activation="NONE")
    k, n = 1100, 6
    w = rng.integers(-128, 128, (n, k))
    w[0], w[1] = -128, 127
    x = m.input("x", (2, k), (1e-3, 0))
    wt = m.b.add_tensor("w", w.shape, "int8", data=w, scale=np.float32(0.01), zero_point=0)
    b = m.b.add_tensor("b", (n,), "int64", data=np.arange(n) * 10 ** 9, scale=np.float32(1e-5), zero_point=0)
    y = m.output((2, n), quant=(40.0, 0))
    return m.finish("FULLY_CONNECTED", [x, wt, b], [y])


def _extreme_inputs(model: bytes) -> dict:
    from aot.frontends.tflite import load_tflite

    g = load_tflite(model)
    x = np.random.default_rng(7).integers(-32768, 32768, g.tensor(g.inputs[0]).shape).astype(np.int16)
    x.reshape(-1)[: x.size // 2] = -32768
    return g, {g.inputs[0]: x}


@pytest.mark.parametrize("op", ["conv_2d", "fully_connected"])
def test_extreme_sums_match_tflm_and_dsp16_on_host(op, tmp_path):
    from aot.driver.reference import run_graph
    from tests.tflm import run_tflm

    model = _extreme(op)
    g, inputs = _extreme_inputs(model)
    want = run_tflm(model, list(inputs.values()))[0]
    np.testing.assert_array_equal(run_graph(g, inputs)[g.outputs[0]], want)
    assert np.unique(want).size > 4  # not all saturated
    _dsp16_exact(model, f"extreme_{op}", _host_dsp(), tmp_path, inputs=inputs)


@pytest.mark.qemu
@pytest.mark.parametrize("op", ["conv_2d", "fully_connected"])
def test_extreme_sums_dsp16_on_cortex_m4(op, tmp_path):
    from aot.target.boards import load_board

    model = _extreme(op)
    _dsp16_exact(model, f"extreme_{op}", load_board("qemu-mps2-an386"), tmp_path, inputs=_extreme_inputs(model)[1])
