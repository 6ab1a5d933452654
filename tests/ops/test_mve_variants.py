"""The Helium kernels (templates/ops/*_mve.c.j2, runtime_c aot_mve.h/.c) equal the NumPy
reference bit for bit on the emulated Cortex-M55 (qemu-mps3-an547; MVE intrinsics have no host
twins). Random single-op models: convolutions with any channel counts (K = KH * KW * IC not a
multiple of 16: the tail-predicated chunk), kernels, strides, dilations and padding, 3-channel
first convolutions, multipliers above 1 (left shifts), 1x1 ones (strided too), fully connected layers of any depth and batch,
depthwise convolutions with channels not a multiple of 4 or 16, or one input channel and a
depth multiplier; per-tensor and per-channel
weights; same-shape adds; average and max pools. Each case runs with the default knobs and with the leaner ones (columns on the stack,
the depthwise ring for fewer channels).

The MVE-F float32 convolutions ("mvef": aot_mvef_conv, aot_mvef_dw) within the bound the fpu
kernels state (codegen_c/mvef.py; tests/ops/test_fpu_variants.py's check): convolutions with
channel counts not a multiple of 4 (the predicated last block), kernels 1-4, strides, padding,
activations, 3-channel first convolutions, 1x1 ones (a matrix multiply over all pixels; stride 1
in place over the input, walking forward or backward);
depthwise ones with any channel count, or one input channel and a depth multiplier; and the
random conv / depthwise models of tests/op_models (dilations, batches)."""
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from aot.driver.runner import run_on_board
from aot.frontends.tflite import load_tflite
from aot.ops import conv_common
from aot.target.boards import load_board
from codegen_c import mvef
from codegen_c.ops import add as c_add
from codegen_c.registry import candidates
from tests.op_models import Model, make, random_inputs
from tests.ops import test_fpu_variants as fpu_tests
from tests.ops.test_dsp_variants import model_for as dsp_model_for
from tests.ops.variants import compile_variant

BOARD = "qemu-mps3-an547"


def _conv(rng, cin: int, cout: int, kernel, stride, padding: str, dilation=(1, 1), hw=None, gain: float = 1.0) -> bytes:
    m = Model(rng, "int8")
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    hw = hw or tuple(int(rng.integers(e, e + 8)) for e in eff)
    out = tuple(-(-n // s) if padding == "SAME" else (n - e) // s + 1 for n, e, s in zip(hw, eff, stride))
    act = m.activation()
    x = m.input("x", (int(rng.choice([1, 1, 1, 2])), *hw, cin))
    axis = 0 if rng.random() < 0.7 else None
    w, w_scales = m.weights("w", (cout, *kernel, cin), axis, kernel[0] * kernel[1] * cin)
    lo, hi = m.mac_output_range(x, w_scales, kernel[0] * kernel[1] * cin, act)
    bias = m.bias("bias", cout, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8)
    y = m.output((x.shape[0], *out, cout), lo / gain, hi / gain)
    return m.finish("CONV_2D", [x, w, bias], [y], padding=padding, stride=stride, dilation=dilation, activation=act)


def _depthwise(rng, c: int, kernel, stride, padding: str, dilation=(1, 1), mult: int = 1) -> bytes:
    m = Model(rng, "int8")
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    hw = tuple(int(rng.integers(e, e + 10)) for e in eff)
    out = tuple(-(-n // s) if padding == "SAME" else (n - e) // s + 1 for n, e, s in zip(hw, eff, stride))
    act = m.activation()
    x = m.input("x", (int(rng.choice([1, 1, 1, 2])), *hw, c))
    w, w_scales = m.weights("w", (1, *kernel, c * mult), 3 if rng.random() < 0.7 else None, kernel[0] * kernel[1])
    lo, hi = m.mac_output_range(x, w_scales, kernel[0] * kernel[1], act)
    bias = m.bias("bias", c * mult, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8)
    y = m.output((x.shape[0], *out, c * mult), lo, hi)
    ins = [x, w] if bias is None else [x, w, bias]
    return m.finish("DEPTHWISE_CONV_2D", ins, [y], padding=padding, stride=stride, dilation=dilation,
                    activation=act, depth_multiplier=mult)


def _fully_connected(rng, k: int, units: int, batch: int) -> bytes:
    m = Model(rng, "int8")
    act = m.activation()
    x = m.input("x", (batch, k))
    w, w_scales = m.weights("w", (units, k), None, k)
    lo, hi = m.mac_output_range(x, w_scales, k, act)
    bias = m.bias("bias", units, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8)
    y = m.output((batch, units), lo, hi)
    ins = [x, w] if bias is None else [x, w, bias]
    return m.finish("FULLY_CONNECTED", ins, [y], activation=act, keep_num_dims=False)


def _max_pool(rng, c: int) -> bytes:
    m = Model(rng, "int8")
    win = m.window(dilated=False)
    x = m.input("x", (m.batch(), *win["hw"], c))
    y = m.output((x.shape[0], *win["out_hw"], c), quant=(x.scale, x.zero_point))  # pools keep the input's quantisation
    return m.finish("MAX_POOL_2D", [x], [y], filter=win["kernel"], stride=win["stride"], padding=win["padding"],
                    activation=m.activation())


def model_for(case: str, seed: int) -> bytes:
    rng = np.random.default_rng([seed, 55])
    n = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731
    pad = str(rng.choice(["SAME", "VALID"]))
    if case == "conv":
        kernel, stride = (n(1, 5), n(1, 5)), (n(1, 2), n(1, 2))
        dilation = (n(1, 2), n(1, 2)) if seed % 3 == 2 else (1, 1)
        return _conv(rng, n(1, 40), n(1, 40), kernel, stride, pad, dilation)
    if case == "conv_gain":  # an output range so narrow that multipliers exceed 1: left shifts, no right shift
        return _conv(rng, n(1, 24), n(1, 24), (n(1, 3), n(1, 3)), (1, 1), pad, gain=float(2 ** n(5, 13)))
    if case == "first_conv":  # 3 input channels, 3x3, stride 2 (vww, ic)
        return _conv(rng, 3, n(4, 20), (3, 3), (n(1, 2),) * 2, "SAME", hw=(n(5, 20), n(5, 20)))
    if case == "pointwise":  # read in place (stride 1) or strided
        s = n(1, 2) if seed % 2 else 1
        return _conv(rng, n(1, 70), n(1, 40), (1, 1), (s, s), "VALID")
    if case == "fc":
        return _fully_connected(rng, n(1, 300), n(1, 40), n(1, 3))
    if case == "depthwise":
        kernel = [(3, 3), (3, 3), (2, 2), (3, 5), (5, 3), (4, 4), (1, 1)][seed % 7]
        dilation = (2, 2) if seed % 5 == 4 else (1, 1)
        return _depthwise(rng, n(1, 40), kernel, (n(1, 2), n(1, 2)), pad, dilation)
    if case == "depthwise_ic1":  # one input channel, a depth multiplier: the convolution kernel (micro_speech, person_detect)
        return _depthwise(rng, 1, (n(1, 5), n(1, 5)), (n(1, 2), n(1, 2)), pad, mult=n(2, 12))
    if case == "avg_pool":  # random pools (any channel count, padding), and global ones (the classifier heads)
        return make("average_pool_2d", seed, "int8") if seed % 2 else dsp_model_for("global_avg_pool", seed)
    if case == "max_pool":  # random windows, strides, padding; channels 1..40 (whole and predicated vectors)
        return _max_pool(rng, n(1, 40))
    if case == "add":  # residual adds (tests/ops/test_dsp_variants.py's): the DSP add's "sum" and "mm" folds
        return dsp_model_for("add_same", seed)
    raise ValueError(case)


KINDS = ("conv", "conv_gain", "first_conv", "pointwise", "fc", "depthwise", "depthwise_ic1", "add", "avg_pool", "max_pool")


def compiled(case: str, seed: int, board, knobs: int = 0):
    """The case compiled with priority speed (knobs=0), or with every op's leaner variant number
    ``knobs`` (None when it has none). No cost model (cpu ""): priority speed takes the preference
    order, the MVE kernels, even where the model would find another kernel as fast on a tiny
    random shape."""
    model = model_for(case, seed)
    return model, compile_variant(model, f"mve_{case}_{seed}", board, knobs, dataclasses.replace(board, cpu=""))


def uses_mve(cm) -> bool:
    return any(v.name == "mve" for v in cm.variants.values())


def check(case: str, seed: int, build_dir, knobs: int = 0) -> None:
    board = load_board(BOARD)
    model, cm = compiled(case, seed, board, knobs)
    if cm is None:
        pytest.skip("no leaner variant")
    op = cm.graph.ops[0]
    where = cm.plan.overwritten_input(0, op.inputs, op.outputs[0])
    has_mve = any(k.name == "mve" for k in candidates(op, cm.graph, board.features, where))
    assert uses_mve(cm) or not has_mve, f"{case} {seed}: the MVE kernel was not chosen"
    inputs = random_inputs(model, np.random.default_rng(seed))
    result = run_on_board(cm, board, dict(zip(cm.graph.inputs, inputs)), build_dir=Path(build_dir))
    for c in result.comparisons:
        assert c.max_abs_diff == 0, f"{case} seed {seed} ({cm.variants}): differs from the reference on {c.name} by {c.max_abs_diff}"


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed", [(c, s) for c in KINDS for s in range(5)] + [("max_pool", s) for s in range(5, 10)])
def test_mve_variant_on_cortex_m55(case, seed, tmp_path):
    check(case, seed, tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed", [(c, s) for c in ("conv", "first_conv", "depthwise", "depthwise_ic1") for s in range(3)])
def test_lean_mve_variant_on_cortex_m55(case, seed, tmp_path):
    check(case, seed, tmp_path, knobs=1)


def float_model_for(case: str, seed: int) -> bytes:
    """The float32 cases of the MVE-F kernels."""
    rng = np.random.default_rng([seed, 56])
    n = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731
    pad = str(rng.choice(["SAME", "VALID"]))
    if case == "float_conv":
        return fpu_tests._conv(rng, n(1, 13), n(1, 13), (n(1, 4), n(1, 4)), (n(1, 2), n(1, 2)), pad)
    if case == "float_first_conv":  # 3 input channels, 3x3 (ic_resnet8, vww)
        return fpu_tests._conv(rng, 3, n(4, 20), (3, 3), (n(1, 2),) * 2, "SAME")
    if case == "float_pointwise":  # even seeds stride 1: in place over the input (forward or backward)
        s = n(1, 2) if seed % 2 else 1
        return fpu_tests._conv(rng, n(1, 40), n(1, 40), (1, 1), (s, s), "VALID")
    if case == "float_depthwise":
        return fpu_tests._depthwise(rng, n(1, 19), 1, (n(1, 2), n(1, 2)), pad)
    if case == "float_depthwise_s1":  # stride 1 SAME: in place, output rows held back
        return fpu_tests._depthwise(rng, n(2, 19), 1, (1, 1), "SAME")
    if case == "float_depthwise_ic1":
        return fpu_tests._depthwise(rng, 1, n(2, 9), (n(1, 2), n(1, 2)), pad)
    return make(case, seed, "float32")


FLOAT_KINDS = ("float_conv", "float_first_conv", "float_pointwise", "float_depthwise", "float_depthwise_s1", "float_depthwise_ic1",
               "conv_2d", "depthwise_conv_2d")


FLOAT_CASES = [(c, s) for c in FLOAT_KINDS for s in range(2)] + [("float_pointwise", s) for s in (2, 4, 8)]


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed", FLOAT_CASES)
def test_mvef_variant_on_cortex_m55(case, seed, tmp_path):
    fpu_tests.check(case, seed, load_board(BOARD), tmp_path, float_model_for)


def test_float_cases_reach_the_mvef_kernels():
    """The float draws run the MVE-F kernels wherever they apply, with channel counts that end in
    a partial block, 1x1 convolutions in place walking forward and backward, and depthwise ones in
    place storing each row at once or holding rows back."""
    board = load_board(BOARD)
    hits, partial, in_place = 0, 0, set()
    for case, seed in FLOAT_CASES:
        _, cm = fpu_tests.compiled(case, seed, board, float_model_for)
        op, g = cm.graph.ops[0], cm.graph
        if any(k.name == "mvef" for k in candidates(op, g, board.features)):
            assert cm.variants[0].name == "mvef", (case, seed, cm.variants[0].key)
        hits += cm.variants[0].name == "mvef"
        partial += cm.variants[0].name == "mvef" and g.tensor(op.outputs[0]).shape[-1] % 4 != 0
        if cm.variants[0].name == "mvef" and cm.plan.in_place:
            wider = g.tensor(op.outputs[0]).shape[-1] > g.tensor(op.inputs[0]).shape[-1]
            in_place.add(("held", mvef.dw_ring_rows(op, g) > 1) if op.kind == "depthwise_conv2d" else wider)
    assert hits >= len(FLOAT_CASES) * 3 // 4 and partial >= 4, (hits, partial)
    assert in_place == {False, True, ("held", False), ("held", True)}, in_place


def test_random_cases_reach_the_mve_kernels():
    """The generators above do exercise the Helium kernels (else the tests prove little), the add
    in both its folds."""
    board = load_board(BOARD)
    for case in KINDS:
        hits = sum(uses_mve(compiled(case, seed, board)[1]) for seed in range(5))
        assert hits >= (3 if case == "add" else 4), case
    modes = {c_add.dsp_add(g.ops[0], g).mode for g in (load_tflite(model_for("add", s)) for s in range(5))}
    assert {"sum", "mm"} <= modes
    shifts = [conv_common.output_stage(g.ops[0], g).shift for g in (load_tflite(model_for("conv_gain", s)) for s in range(5))]
    assert any((sh > 0).any() for sh in shifts) and any((sh == 0).any() for sh in shifts)
