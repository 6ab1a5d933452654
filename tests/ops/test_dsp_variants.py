"""The DSP kernel variants (templates/ops/*_dsp.c.j2, runtime_c/include/aot_dsp.h) equal the
NumPy reference bit for bit: on the host through the plain-C twins of the intrinsics, and on
the emulated Cortex-M4 (qemu-mps2-an386) with the real SMLAD/SXTB16 instructions.

Random single-op models come from tests/op_models/, plus depthwise and pointwise shapes the
random draws rarely hit (channels a multiple of 4, one input channel with a multiplier) and
fully connected layers with K % 4 != 0 and several rows (inputs off 4-byte alignment). Each
case runs with the fastest DSP variant and with its leaner knobs (aot/driver/choose.py:
lean: the depthwise ring for fewer channel groups, convolutions without im2col columns).
"""
import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

import codegen_c.ops.conv2d as c_conv
import codegen_c.ops.fully_connected as c_fc
from aot.core import quant
from aot.driver import choose
from aot.driver.compiler import compile_graph
from aot.driver.runner import run_on_board
from aot.driver.tune import TuningRecord
from aot.frontends.tflite import load_tflite
from aot.target.boards import load_board
from codegen_c import dsp
from codegen_c.kernel import KernelChoice
from codegen_c.ops import depthwise_conv2d as c_depthwise
from codegen_c.registry import candidates, resolve
from tests.op_models import Model, clamp_range, make, random_inputs
from tests.ops.variants import compile_variant


def _depthwise(rng, cin: int, mult: int, kernel=(3, 3)) -> bytes:
    m = Model(rng, "int8")
    stride = tuple(int(s) for s in rng.integers(1, 3, 2))
    padding = str(rng.choice(["SAME", "VALID"]))
    hw = tuple(int(rng.integers(k, 9)) for k in kernel)
    out = tuple(-(-n // s) if padding == "SAME" else (n - k) // s + 1 for n, k, s in zip(hw, kernel, stride))
    act = m.activation()
    x = m.input("x", (1, *hw, cin))
    w, w_scales = m.weights("w", (1, *kernel, cin * mult), 3, kernel[0] * kernel[1])
    lo, hi = m.mac_output_range(x, w_scales, kernel[0] * kernel[1], act)
    bias = m.bias("bias", cin * mult, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8)
    y = m.output((1, *out, cin * mult), lo, hi)
    ins = [x, w] if bias is None else [x, w, bias]
    return m.finish("DEPTHWISE_CONV_2D", ins, [y], padding=padding, stride=stride, dilation=(1, 1),
                    activation=act, depth_multiplier=mult)


def _pointwise(rng, cin: int, cout: int) -> bytes:
    m = Model(rng, "int8")
    hw = tuple(int(rng.integers(1, 7)) for _ in range(2))
    act = m.activation()
    x = m.input("x", (1, *hw, cin))
    w, w_scales = m.weights("w", (cout, 1, 1, cin), 0, cin)
    lo, hi = m.mac_output_range(x, w_scales, cin, act)
    bias = m.bias("bias", cout, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8)
    y = m.output((1, *hw, cout), lo, hi)
    return m.finish("CONV_2D", [x, w, bias], [y], padding="VALID", stride=(1, 1), dilation=(1, 1), activation=act)


def _fully_connected(rng, k: int, units: int, batch: int, keep_num_dims: bool = False) -> bytes:
    m = Model(rng, "int8")
    act = m.activation()
    lead = (1, batch) if keep_num_dims else (batch,)
    x = m.input("x", (*lead, k))
    w, w_scales = m.weights("w", (units, k), None, k)
    lo, hi = m.mac_output_range(x, w_scales, k, act)
    bias = m.bias("bias", units, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8)
    y = m.output((*lead, units), lo, hi)
    ins = [x, w] if bias is None else [x, w, bias]
    return m.finish("FULLY_CONNECTED", ins, [y], activation=act, keep_num_dims=keep_num_dims)


def _fc_block(rng, seed: int) -> bytes:
    """aot_fc_s8o / aot_fc_s8w16's edges: K < 4 and K % 4 != 0 (tail group, batch rows off
    4-byte alignment), K a multiple of 16 groups or not (the unrolled loop's remainder), K over
    512 (two int32 runs), rows a multiple of the 4-row block plus 0..3, batch > 1,
    keep_num_dims."""
    if seed % 5 == 4:
        k = int(rng.integers(513, 1025))
    else:
        k = int(rng.integers(1, 4)) if seed % 3 == 0 else int(rng.integers(1, 80)) * 4 + seed % 4
    units = 4 * int(rng.integers(0, 6)) + int(rng.integers(1, 4)) if seed % 2 else 4 * int(rng.integers(1, 9))
    return _fully_connected(rng, k, units, int(rng.integers(1, 4)), keep_num_dims=bool(seed % 4 >= 2))


def _same_shape_add(rng) -> bytes:
    """A residual-style add: same shapes (sizes not always a multiple of 4); the inputs share
    their scale (and maybe zero point) a third of the time, the "sum" fold of the DSP add."""
    m = Model(rng, "int8")
    shape = tuple(int(d) for d in (1, *rng.integers(1, 9, 2), rng.choice([1, 3, 4, 8, 16])))
    a = m.input("a", shape)
    pick = int(rng.integers(0, 3))
    quant_b = {0: None, 1: (a.scale, int(rng.integers(-128, 128))), 2: (a.scale, a.zero_point)}[pick]
    b = m.const_like("b", shape, quant_b) if rng.random() < 0.25 else m.input("b", shape, quant_b)
    act = m.activation()
    (lo1, hi1), (lo2, hi2) = a.real_range(), b.real_range()
    y = m.output(shape, *clamp_range(lo1 + lo2, hi1 + hi2, act))
    return m.finish("ADD", [a, b], [y], activation=act)


def _pool4(rng, op: str, global_pool: bool = False) -> bytes:
    """A pool with channels a multiple of 4 (the DSP kernels' case); ``global_pool``: one window
    over the whole input (the kws/vww/ic classifier head), up to 300 cells."""
    m = Model(rng, "int8")
    c = int(rng.choice([4, 8, 12, 16, 32]))
    if global_pool:
        hw = tuple(int(d) for d in rng.integers(1, 21, 2))
        win = {"kernel": hw, "stride": hw, "padding": "VALID", "hw": hw, "out_hw": (1, 1)}
    else:
        win = m.window(dilated=False)
    x = m.input("x", (m.batch(), *win["hw"], c))
    y = m.output((x.shape[0], *win["out_hw"], c), quant=(x.scale, x.zero_point))
    return m.finish(op, [x], [y], filter=win["kernel"], stride=win["stride"], padding=win["padding"],
                    activation=m.activation())


def model_for(case: str, seed: int) -> bytes:
    rng = np.random.default_rng([seed, 8])
    if case == "depthwise":
        return _depthwise(rng, int(rng.choice([4, 8, 12, 16])), 1, tuple(int(k) for k in rng.choice([3, 3, 2, 5], 2)))
    if case == "depthwise3x3":  # the two-pixel kernel: any channel count, stride 1 or 2, odd and even widths
        return _depthwise(rng, int(rng.choice([2, 3, 5, 6, 7, 8, 12, 13, 20])), 1)
    if case == "depthwise3x3_ic1":  # the two-pixel kernel over one input channel, its outputs per multiplier
        return _depthwise(rng, 1, int(rng.choice([2, 3, 8])), (3, 3))
    if case == "depthwise_ic1":
        return _depthwise(rng, 1, int(rng.choice([4, 8])), tuple(int(k) for k in rng.integers(2, 6, 2)))
    if case == "pointwise":
        return _pointwise(rng, int(rng.choice([3, 4, 8, 16])), int(rng.integers(1, 20)))
    if case == "fc_odd":  # K % 4 = 1, 2, 3 (and 0), rows % 4 != 0, batch rows off alignment
        return _fully_connected(rng, int(rng.integers(1, 40)) * 4 + seed % 4, int(rng.integers(1, 12)), int(rng.integers(1, 4)))
    if case == "fc_block":
        return _fc_block(rng, seed)
    if case == "fc_long":  # input pairs beyond the stack limit: read in place (aot_fc_s8)
        return _fully_connected(rng, 1025 + seed * 3, int(rng.integers(1, 10)), int(rng.integers(1, 3)))
    if case == "add_same":
        return _same_shape_add(rng)
    if case == "avg_pool4":
        return _pool4(rng, "AVERAGE_POOL_2D")
    if case == "max_pool4":
        return _pool4(rng, "MAX_POOL_2D")
    if case == "global_avg_pool":
        return _pool4(rng, "AVERAGE_POOL_2D", global_pool=True)
    if case in CONV_SHAPES:
        return CONV_SHAPES[case](rng)
    return make(case, seed, "int8")


KINDS = ("conv_2d", "fully_connected", "depthwise", "depthwise_ic1", "pointwise", "fc_odd", "fc_block")
CASES = [(c, s) for c in KINDS for s in range(6)] + [("fc_block", s) for s in range(6, 12)] + [("fc_long", s) for s in range(2)]
# add and the pools: DSP where the shapes allow (same-shape add, channels % 4 == 0), else the
# random draws of tests/op_models/ check that the rest stays portable and exact
ELEMENTWISE = ("add_same", "avg_pool4", "max_pool4", "global_avg_pool")
RANDOM_ELEMENTWISE = ("add", "average_pool_2d", "max_pool_2d")
ELEMENTWISE_CASES = [(c, s) for c in ELEMENTWISE for s in range(8)] + [(c, s) for c in RANDOM_ELEMENTWISE for s in range(6)]


def dsp_board(name: str = "host"):
    """The board with the "dsp" feature (the host board gets it to run the C twins)."""
    b = load_board(name)
    return dataclasses.replace(b, features=("dsp",))


def compiled(case: str, seed: int, board, knobs: int = 0):
    """The case compiled with priority speed (knobs=0), or with every DSP op's leaner variant
    number ``knobs`` (None when it has fewer). No cost model (cpu ""): priority speed takes the
    preference order, the DSP kernels, even where the model would find the portable kernel as
    fast on a tiny random shape."""
    model = model_for(case, seed)
    return model, compile_variant(model, f"{case}_{seed}", board, knobs, dataclasses.replace(board, cpu=""))


def check(case: str, seed: int, board, build_dir, knobs: int = 0) -> None:
    model, cm = compiled(case, seed, board, knobs)
    if cm is None:
        pytest.skip("no leaner variant")
    used = [v.key for v in cm.variants.values() if v.name == "dsp"]
    op = cm.graph.ops[0]
    assert used or not any(k.name == "dsp" for k in candidates(op, cm.graph, board.features)), f"{case} {seed}: the DSP variant was not chosen"
    inputs = random_inputs(model, np.random.default_rng(seed))
    result = run_on_board(cm, board, dict(zip(cm.graph.inputs, inputs)), build_dir=Path(build_dir))
    for c in result.comparisons:
        assert c.max_abs_diff == 0, f"{case} seed {seed} ({used}): differs from the reference on {c.name} by {c.max_abs_diff}"


@pytest.mark.parametrize("case,seed", CASES)
def test_dsp_variant_on_host(case, seed, tmp_path):
    check(case, seed, dsp_board("host"), tmp_path)


@pytest.mark.parametrize("case,seed", ELEMENTWISE_CASES)
def test_elementwise_dsp_variant_on_host(case, seed, tmp_path):
    check(case, seed, dsp_board("host"), tmp_path)


def test_elementwise_cases_reach_the_dsp_kernels():
    """Every same-shape add and every channels-%-4 pool gets its DSP kernel, the add in each fold."""
    from codegen_c.ops import add as c_add

    board, modes = dsp_board("host"), set()
    for case, seed in [(c, s) for c in ELEMENTWISE for s in range(8)]:
        g = load_tflite(model_for(case, seed))
        cm = compile_graph(g, Path("x.tflite"), "0", board=board, priority="speed")
        assert cm.variants[0].name == "dsp", (case, seed)
        if case == "add_same":
            modes.add(c_add.dsp_add(cm.graph.ops[0], cm.graph).mode)
    assert {"sum", "mm"} <= modes


@pytest.mark.parametrize("mode", ["rq", "mbqm"])
@pytest.mark.parametrize("seed", range(4))
def test_dsp_add_fallback_folds_on_host(mode, seed, tmp_path, monkeypatch):
    """The add's slower folds, used where SMMLA finds no exact constant, stay exact too."""
    from codegen_c.ops import add as c_add

    monkeypatch.setattr(c_add, "MODES", (mode,))
    g = load_tflite(model_for("add_same", seed))
    assert c_add.dsp_add(g.ops[0], g).mode == mode
    check("add_same", seed, dsp_board("host"), tmp_path)


LEAN_CASES = ([(c, s, k) for c in ("conv_2d", "depthwise", "depthwise_ic1", "pointwise") for s in range(6) for k in (1, 2)]
              + [(c, s, 1) for c in ("fc_odd", "fc_block") for s in range(8)])  # fc: w16=1, int16 weights


@pytest.mark.parametrize("case,seed,knobs", LEAN_CASES)
def test_lean_dsp_variant_on_host(case, seed, knobs, tmp_path):
    check(case, seed, dsp_board("host"), tmp_path, knobs)


QEMU_CASES = [(c, s) for c in KINDS for s in range(2)] + [("fc_block", s) for s in range(2, 8)] + [("fc_long", 0)]


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed", QEMU_CASES)
def test_dsp_variant_on_cortex_m4(case, seed, tmp_path):
    check(case, seed, load_board("qemu-mps2-an386"), tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed", [(c, s) for c in ELEMENTWISE + RANDOM_ELEMENTWISE for s in range(3)])
def test_elementwise_dsp_variant_on_cortex_m4(case, seed, tmp_path):
    check(case, seed, load_board("qemu-mps2-an386"), tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed,knobs", [(c, s, k) for c in ("conv_2d", "depthwise", "depthwise_ic1", "pointwise") for s in range(2) for k in (1, 2)]
                         + [("fc_block", s, 1) for s in range(5)])
def test_lean_dsp_variant_on_cortex_m4(case, seed, knobs, tmp_path):
    check(case, seed, load_board("qemu-mps2-an386"), tmp_path, knobs)


# The two-pixel depthwise 3x3 kernel (codegen_c/ops/depthwise_conv2d.py: _pair): channel counts
# not a multiple of 4, stride 1 or 2 each way, SAME and VALID padding, odd and even widths, and
# its leaner settings (fewer channels per pass: blocks of unequal size).
DW3_SEEDS = range(12)


@pytest.mark.parametrize("seed", DW3_SEEDS)
@pytest.mark.parametrize("knobs", (0, 1, 2))
def test_depthwise3x3_on_host(seed, knobs, tmp_path):
    check("depthwise3x3", seed, dsp_board("host"), tmp_path, knobs)


@pytest.mark.qemu
@pytest.mark.parametrize("seed", DW3_SEEDS[:6])
@pytest.mark.parametrize("knobs", (0, 1))
def test_depthwise3x3_on_cortex_m4(seed, knobs, tmp_path):
    check("depthwise3x3", seed, load_board("qemu-mps2-an386"), tmp_path, knobs)


@pytest.mark.parametrize("seed", DW3_SEEDS)
def test_depthwise3x3_one_input_channel_on_host(seed, tmp_path):
    check("depthwise3x3_ic1", seed, dsp_board("host"), tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("seed", DW3_SEEDS[:6])
def test_depthwise3x3_one_input_channel_on_cortex_m4(seed, tmp_path):
    check("depthwise3x3_ic1", seed, load_board("qemu-mps2-an386"), tmp_path)


def test_depthwise3x3_one_input_channel_runs_the_two_pixel_kernel():
    """One input channel and a multiplier: the two-pixel kernel (not conv2d's), over both strides,
    odd and even widths."""
    board, seen = dsp_board("host"), set()
    for seed in DW3_SEEDS:
        _, cm = compiled("depthwise3x3_ic1", seed, board)
        op, g = cm.graph.ops[0], cm.graph
        assert cm.variants[0].name == "dsp" and not c_depthwise._as_conv(op, g), seed
        assert op.attrs["depth_multiplier"] > 1 and c_depthwise.dsp_knobs(op, g) == [()], seed
        seen |= {("stride", op.attrs["stride"][1]), ("odd width", g.tensor(op.outputs[0]).shape[2] % 2)}
    assert seen >= {("stride", 1), ("stride", 2), ("odd width", 0), ("odd width", 1)}, seen


def check_stack(seed: int, board, build_dir) -> None:
    """The depthwise3x3 case of ``seed`` with its op forced to the two-pixel kernel's ring on the
    stack (knob stack=1: no scratch), run in place where the ring kernel may be, bit-exact."""
    model = model_for("depthwise3x3", seed)
    g = load_tflite(model)
    g.name = f"dw3_stack_{seed}"
    op = g.ops[0]
    knobs = [k for k in c_depthwise.ring_knobs(op, g) if dict(k).get("stack")]
    if not knobs:
        pytest.skip("one channel: no stack setting")
    assert c_depthwise.dsp_scratch(op, g, dict(knobs[0])) == 0
    digest = hashlib.sha256(model).hexdigest()
    key = KernelChoice("dsp", knobs[0]).key
    record = TuningRecord(g.name, digest, board.name, [{"index": 0, "op": op.kind, "variant": key}])
    cm = compile_graph(g, Path(f"{g.name}.tflite"), digest, board=board, tuning=record)
    assert cm.variants[0].key == key, cm.variants[0].key
    result = run_on_board(cm, board, dict(zip(cm.graph.inputs, random_inputs(model, np.random.default_rng(seed)))),
                          build_dir=Path(build_dir))
    for c in result.comparisons:
        assert c.max_abs_diff == 0, f"seed {seed}: differs from the reference on {c.name} by {c.max_abs_diff}"


@pytest.mark.parametrize("seed", DW3_SEEDS)
def test_depthwise3x3_stack_ring_on_host(seed, tmp_path):
    check_stack(seed, dsp_board("host"), tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("seed", DW3_SEEDS[:6])
def test_depthwise3x3_stack_ring_on_cortex_m4(seed, tmp_path):
    check_stack(seed, load_board("qemu-mps2-an386"), tmp_path)


def test_depthwise3x3_blocks_fit_ldr_offsets():
    """Many channels: every block setting keeps the kernel's word offsets (4 * stride * block
    - 4 * stride bytes, LDR immediates) below 4096, at both strides."""
    strides = set()
    for seed in range(8):
        g = load_tflite(_depthwise(np.random.default_rng([seed, 9]), 1100, 1))
        op = g.ops[0]
        sw = op.attrs["stride"][1]
        strides.add(sw)
        for knobs in c_depthwise.dsp_knobs(op, g):
            cb = c_depthwise.block_channels(op, g, dict(knobs))
            assert 4 * sw * cb - 4 * sw < 4096, (seed, knobs, cb)
    assert strides == {1, 2}


def test_depthwise3x3_cases_cover_the_two_pixel_kernel():
    """The cases above run the two-pixel kernel, over the shapes its edge code handles."""
    board, seen = dsp_board("host"), set()
    for seed in DW3_SEEDS:
        _, cm = compiled("depthwise3x3", seed, board)
        op, g = cm.graph.ops[0], cm.graph
        assert cm.variants[0].name == "dsp" and c_depthwise._pair(op, g), seed
        c, ow = g.tensor(op.inputs[0]).shape[3], g.tensor(op.outputs[0]).shape[2]
        seen |= {("stride", op.attrs["stride"][1]), ("odd width", ow % 2), ("pad left", op.attrs["pad"][1]),
                 ("channels % 4", c % 4 != 0)}
    assert seen >= {("stride", 1), ("stride", 2), ("odd width", 0), ("odd width", 1), ("pad left", 0),
                    ("pad left", 1), ("channels % 4", True), ("channels % 4", False)}, seen


def test_random_cases_reach_the_dsp_kernels():
    """The generators above do exercise the DSP path (else the tests prove little)."""
    board = dsp_board("host")
    hits = 0
    for case, seed in CASES:
        model = model_for(case, seed)
        g = load_tflite(model)
        cm = compile_graph(g, Path("x.tflite"), "0", board=board, priority="speed")
        hits += any(v.name == "dsp" for v in cm.variants.values())
    assert hits >= len(CASES) * 2 // 3


def test_folded_requantisation_equals_tflm():
    """aot_rq's single rounding (dsp.rq_apply, its NumPy twin, on the compiler's dsp.rq_row table) equals TFLM's two roundings
    plus the output offset, over random multipliers, shifts 1..31, zero multipliers."""
    rng = np.random.default_rng(3)
    for trial in range(600):
        zero = trial % 10 == 0
        m = 0 if zero else int(rng.integers((1 << 30) + 1, 1 << 31))
        e = 0 if zero else int(rng.integers(1, 32))
        off = int(rng.integers(-128, 128))
        fold = dsp.folds_offset(np.array([-e]), np.array([m]))
        table = np.array(dsp.rq_row(m, -e, off if fold else 0), dtype=np.int64).astype(np.int32)  # the compiler's table
        acc = np.concatenate([rng.integers(-2**31, 2**31, 64), rng.integers(-3000, 3000, 64), [-2**31, 2**31 - 1, 0, -1]])
        want = quant.mbqm(acc, m, -e).astype(np.int64) + off
        got = dsp.rq_apply(acc, table, np.zeros(acc.size, dtype=int)) + (0 if fold else off)
        assert np.array_equal(want, got), (m, e, off)


def _fc_pairs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """aot_fc_s8o's (y, z) of the int8 inputs x (K a multiple of 4), as int16 lanes [groups, 2]."""
    x = x.astype(np.int64).reshape(-1, 4)
    y = np.stack([x[:, 1] - 127, x[:, 3] - 127], axis=1)
    z = np.stack([256 * x[:, 0] - x[:, 1] + 127, 256 * x[:, 2] - x[:, 3] + 127], axis=1)
    assert np.all((z >= -32768) & (z <= 32767))
    return y, z


@pytest.mark.parametrize("rows,k", [(4, 8), (9, 516), (5, 1024)])
def test_fc_odd_weights_and_runs_give_the_dot_products(rows, k):
    """NumPy model of aot_fc_s8o / aot_fc_s8w16 on the compiler's packed words: per run of 64
    groups the SMLAD(L, y) + SMLAD(E, z) sum stays in int32, and the runs' sums >> 8 plus 127 *
    the row's w1 + w3 (aot_fc_s8o's bias term) equal w @ x; extreme weights and inputs included."""
    rng = np.random.default_rng(rows * k)
    w = rng.integers(-127, 128, (rows, k)).astype(np.int8)
    w[0, :] = -127
    w[-1, ::2], w[-1, 1::2] = -127, 127
    x = rng.integers(-128, 128, k).astype(np.int8)
    x[: k // 2] = -128
    y, z = _fc_pairs(x)
    groups, full = k // 4, rows // 4 * 4
    # back to one row after another: [rows, groups, words]
    odd = c_fc.odd_weights(w)
    wide = c_fc.wide_weights(w)
    nruns = -(-groups // c_fc.FC_RUN)

    def unquad(flat, words):
        head = flat[: full * groups * words].reshape(full // 4, groups, 4, words).transpose(0, 2, 1, 3).reshape(full, groups, words)
        return np.concatenate([head, flat[full * groups * words:].reshape(rows - full, groups, words)])

    lanes_l = unquad(odd, 1).astype("<i4").view("<i2").reshape(rows, groups, 2).astype(np.int64)
    bytes_e = unquad(odd, 1).astype("<i4").view(np.int8).reshape(rows, groups, 4)[:, :, [0, 2]].astype(np.int64)
    wide_le = unquad(wide, 2).astype("<i4").view("<i2").reshape(rows, groups, 2, 2).astype(np.int64)
    assert np.array_equal(wide_le[:, :, 0], lanes_l) and np.array_equal(wide_le[:, :, 1], bytes_e)
    want = w.astype(np.int64) @ x.astype(np.int64)
    got = 127 * w[:, 1::2].astype(np.int64).sum(axis=1)
    for j in range(nruns):
        g = slice(j * c_fc.FC_RUN, (j + 1) * c_fc.FC_RUN)
        acc = (lanes_l[:, g] * y[g]).sum(axis=(1, 2)) + (bytes_e[:, g] * z[g]).sum(axis=(1, 2))
        assert np.all(np.abs(acc) < 2**31)  # no int32 wrap inside a run
        got += acc >> 8
    assert np.array_equal(got, want)


def test_weight_rows_layout():
    w = np.arange(2 * 6, dtype=np.int8).reshape(2, 6)
    words = dsp.weights_rows(w, 2).view(np.int8).reshape(-1, 4)
    # per group: row 0 then row 1; bytes w0 w2 w1 w3; K padded 6 -> 8 with zeros
    assert words.tolist() == [[0, 2, 1, 3], [6, 8, 7, 9], [4, 0, 5, 0], [10, 0, 11, 0]]


# --- Convolution shapes the conv kernels specialise (issue 16): the 3-channel first conv
# (stride 2, SAME padding; scratch-free: aot_conv_px16_9's exact-length rows, int16 weights, 8
# weight rows at a time over runs of pixels), rows of 4 channels (taps of one word at the borders
# with the row segments' weights),
# rows of 5 channels (a tail of 3 values), 1x1 with K = 8 / 12 / 16 (aot_mm_2col without an
# inner loop), odd output channel counts, windows wider than the stack gather (conv2d.py
# direct_mode), windows expanded into int16 pairs on the stack (aot_conv_pxo) or too wide for
# it (aot_conv_px), dilated windows.


def _conv(rng, cin: int, kernel: tuple[int, int], stride: tuple[int, int], padding: str, dilation=(1, 1),
          couts=(1, 3, 5, 8, 12, 13)) -> bytes:
    m = Model(rng, "int8")
    cout = int(rng.choice(couts))
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    hw = tuple(int(rng.integers(e, 12)) for e in eff)
    out = tuple(-(-n // s) if padding == "SAME" else (n - e) // s + 1 for n, e, s in zip(hw, eff, stride))
    act = m.activation()
    fan_in = kernel[0] * kernel[1] * cin
    x = m.input("x", (1, *hw, cin))
    w, w_scales = m.weights("w", (cout, *kernel, cin), 0, fan_in)
    lo, hi = m.mac_output_range(x, w_scales, fan_in, act)
    bias = m.bias("bias", cout, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8)
    y = m.output((1, *out, cout), lo, hi)
    return m.finish("CONV_2D", [x, w, bias], [y], padding=padding, stride=stride, dilation=dilation, activation=act)


CONV_SHAPES = {
    "conv_first": lambda rng: _conv(rng, 3, (3, 3), (2, 2), "SAME"),
    "conv_ic5": lambda rng: _conv(rng, 5, (3, 3), (1, 1), str(rng.choice(["SAME", "VALID"]))),
    "conv_ic4": lambda rng: _conv(rng, 4, (3, 3), (1, 1), "SAME"),  # rows of 12 values, taps of one word at the borders
    "conv_wide": lambda rng: _conv(rng, 48, (3, 3), (1, 1), "SAME"),  # rows of 144 B, taps at the borders
    "conv_wide_int8": lambda rng: _conv(rng, 96, (3, 3), (1, 1), "SAME", couts=(10, 13)),  # cols=0: pairs on the stack
    "conv_wide_xl": lambda rng: _conv(rng, 128, (3, 3), (1, 1), "SAME", couts=(10, 13)),  # too many pairs: int8 weights
    "conv_wide_odd": lambda rng: _conv(rng, 45, (3, 3), (1, 1), "SAME"),  # a segment per tap of 45 values
    "conv_dilated": lambda rng: _conv(rng, int(rng.choice([3, 8])), (3, 3), (1, 1), "SAME", (2, 2)),
    "pointwise_k8": lambda rng: _pointwise(rng, 8, int(rng.integers(1, 20))),
    "pointwise_k12": lambda rng: _pointwise(rng, 12, int(rng.integers(1, 20))),
    "pointwise_k16": lambda rng: _pointwise(rng, 16, int(rng.integers(1, 20))),
}
CONV_CASES = [(c, s, k) for c in CONV_SHAPES for s in range(3) for k in (0, 1)]


@pytest.mark.parametrize("case,seed,knobs", CONV_CASES)
def test_conv_shapes_on_host(case, seed, knobs, tmp_path):
    check(case, seed, dsp_board("host"), tmp_path, knobs)


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed,knobs", [(c, s, k) for c in CONV_SHAPES for s in range(2) for k in (0, 1)])
def test_conv_shapes_on_cortex_m4(case, seed, knobs, tmp_path):
    check(case, seed, load_board("qemu-mps2-an386"), tmp_path, knobs)


def test_weight_mm16_layout():
    w = np.arange(3 * 6, dtype=np.int8).reshape(3, 6)
    pairs = dsp.weights_mm16(w).view(np.int16).reshape(-1, 2)
    # rows 0, 1 interleaved per group of 4 (row 0's two int16 pairs, then row 1's), K padded 6 -> 8
    # with zeros; the odd row 2 alone
    assert pairs.tolist() == [[0, 1], [2, 3], [6, 7], [8, 9], [4, 5], [0, 0], [10, 11], [0, 0],
                              [12, 13], [14, 15], [16, 17], [0, 0]]


def test_weight_px16_layout():
    rows = np.arange(5 * 2 * 5, dtype=np.int8).reshape(5, 2, 5)  # 5 weight rows, 2 segments of 5 values
    pairs = dsp.weights_px16(rows).view(np.int16).reshape(-1, 2)
    quad = pairs[:2 * (4 * 2 + 2)].reshape(2, -1, 2)  # per segment: 4 rows x 2 pairs, then the tail value's 2 words
    assert quad[0, :2].tolist() == [[0, 2], [1, 3]]  # row 0, segment 0: (w0, w2), (w1, w3)
    assert quad[0, 2:4].tolist() == [[10, 12], [11, 13]]  # row 1
    assert quad[0, 8:].tolist() == [[4, 14], [24, 34]]  # tail value 4 of rows 0..3
    assert quad[1, 0].tolist() == [5, 7]  # segment 1 of row 0
    last = dsp.weights_px16(rows)[2 * (4 * 2 + 2):]
    assert last.tolist() == [40 | 42 << 16, 41 | 43 << 16, 44, 45 | 47 << 16, 46 | 48 << 16, 49]  # row 4 alone


def test_weight_px16_octets():
    rows = np.arange(13 * 9, dtype=np.int8).reshape(13, 1, 9)  # 13 rows of 9 values: w[r, i] = 9 r + i
    words = dsp.weights_px16(rows)
    pairs = words.view(np.int16).reshape(-1, 2)

    def word(rs, j):  # input word j of rows rs: per row (w0, w2), (w1, w3)
        return [[9 * r + 4 * j + k, 9 * r + 4 * j + k + 2] for r in rs for k in (0, 1)]

    # a block of rows 0..7 (9 values: aot_conv_px16's blocks of 8), the tail value 8 of row pairs
    assert pairs[:32].tolist() == word(range(8), 0) + word(range(8), 1)
    assert pairs[32:36].tolist() == [[9 * r + 8, 9 * r + 17] for r in (0, 2, 4, 6)]
    # a block of rows 8..11, then row 12 alone (pairs, then the int32 tail weight)
    assert pairs[36:52].tolist() == word(range(8, 12), 0) + word(range(8, 12), 1)
    assert pairs[52:54].tolist() == [[80, 89], [98, 107]]
    assert words[54:].tolist() == [108 | 110 << 16, 109 | 111 << 16, 112 | 114 << 16, 113 | 115 << 16, 116]
    # other lengths: blocks of 4 rows
    assert dsp.weights_px16(rows[:, :, :5])[:8].view(np.int16).reshape(-1, 2).tolist()[:4] == [[0, 2], [1, 3], [9, 11], [10, 12]]


# The depthwise kernel's ring-free setting (knob ring=0, aot_dw_direct: no scratch, input read in
# place, taps cut at the padded borders): random windows, strides, dilations, SAME and VALID,
# channel counts not a multiple of 4 where the DSP kernel takes them (the 3x3 two-pixel shapes).
def _depthwise_direct(rng) -> bytes:
    m = Model(rng, "int8")
    if rng.random() < 0.5:
        kernel, dilation = (3, 3), (1, 1)
        cin = int(rng.choice([2, 3, 5, 6, 7, 9, 13]))
    else:
        kernel = tuple(int(k) for k in rng.integers(1, 6, 2))
        dilation = tuple(int(d) for d in rng.integers(1, 3, 2))
        cin = int(rng.choice([4, 8, 12]))
    stride = tuple(int(s) for s in rng.integers(1, 3, 2))
    padding = str(rng.choice(["SAME", "VALID"]))
    reach = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation))
    hw = tuple(int(rng.integers(r, r + 7)) for r in reach)
    out = tuple(-(-n // s) if padding == "SAME" else (n - r) // s + 1 for n, r, s in zip(hw, reach, stride))
    act = m.activation()
    x = m.input("x", (1, *hw, cin))
    w, w_scales = m.weights("w", (1, *kernel, cin), 3, kernel[0] * kernel[1])
    lo, hi = m.mac_output_range(x, w_scales, kernel[0] * kernel[1], act)
    bias = m.bias("bias", cin, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8)
    y = m.output((1, *out, cin), lo, hi)
    ins = [x, w] if bias is None else [x, w, bias]
    return m.finish("DEPTHWISE_CONV_2D", ins, [y], padding=padding, stride=stride, dilation=dilation,
                    activation=act, depth_multiplier=1)


def check_direct(seed: int, board, build_dir, monkeypatch) -> None:
    """The random shape of ``seed`` with its depthwise op forced to dsp:ring=0, bit-exact. The
    setting never runs in place: the plan is made without in-place offers (a single-op model's
    depthwise would otherwise overwrite its input)."""
    monkeypatch.setattr(choose, "offers", lambda g: {})
    model = _depthwise_direct(np.random.default_rng([seed, 16]))
    g = load_tflite(model)
    g.name = f"dw_direct_{seed}"
    op = g.ops[0]
    assert c_depthwise.dsp_applies(op, g) and c_depthwise.dsp_knobs(op, g)[-1] == (("ring", 0),)
    assert c_depthwise.dsp_scratch(op, g, {"ring": 0}) == 0
    digest = hashlib.sha256(model).hexdigest()
    record = TuningRecord(g.name, digest, board.name, [{"index": 0, "op": op.kind, "variant": "dsp:ring=0"}])
    cm = compile_graph(g, Path(f"{g.name}.tflite"), digest, board=board, tuning=record)
    assert cm.variants[0].key == "dsp:ring=0", cm.variants[0].key
    result = run_on_board(cm, board, dict(zip(cm.graph.inputs, random_inputs(model, np.random.default_rng(seed)))),
                          build_dir=Path(build_dir))
    for c in result.comparisons:
        assert c.max_abs_diff == 0, f"seed {seed}: differs from the reference on {c.name} by {c.max_abs_diff}"


@pytest.mark.parametrize("seed", range(16))
def test_depthwise_direct_on_host(seed, tmp_path, monkeypatch):
    check_direct(seed, dsp_board("host"), tmp_path, monkeypatch)


@pytest.mark.qemu
@pytest.mark.parametrize("seed", range(8))
def test_depthwise_direct_on_cortex_m4(seed, tmp_path, monkeypatch):
    check_direct(seed, load_board("qemu-mps2-an386"), tmp_path, monkeypatch)


def test_depthwise_direct_only_out_of_place():
    """dsp:ring=0 is the DSP kernel's leanest setting (no scratch but the two-pixel kernel's ring
    on the stack, stack=1) when the op runs out of place, and never offered in place (it reads
    input pixels after their outputs are written)."""
    for seed in range(8):
        g = load_tflite(_depthwise_direct(np.random.default_rng([seed, 16])))
        op = g.ops[0]
        out = [k for k in candidates(op, g, ("dsp",)) if k.name == "dsp"]
        assert len(out) == 1 and out[0].knobs(op, g)[-1] == (("ring", 0),) and out[0].scratch(op, g, {"ring": 0}) == 0
        assert all(out[0].scratch(op, g, dict(kn)) > 0 for kn in out[0].knobs(op, g)[:-1] if not dict(kn).get("stack")), seed
        assert resolve(op, g, KernelChoice("dsp", (("ring", 0),))) is out[0]
        inside = [k for k in candidates(op, g, ("dsp",), in_place=0) if k.name == "dsp"]
        assert all(("ring", 0) not in dict(kn).items() for k in inside for kn in k.knobs(op, g)), seed


def test_direct_mode_expands_whole_word_windows_on_the_stack():
    """cols=0 expands a window of whole-word segments (3x3x96: 864 values, 432 words of int16
    pairs) on the stack; not one of 3x3x128 (2,304 bytes of pairs), nor weights of -128."""
    w = np.ones((13, 3, 3, 96), dtype=np.int8)
    assert c_conv.direct_mode(w, dilated=False)["XS"] == 432
    assert c_conv.direct_mode(np.ones((13, 3, 3, 128), dtype=np.int8), dilated=False)["XS"] == 0
    w[5, 1, 1, 7] = -128
    assert c_conv.direct_mode(w, dilated=False)["XS"] == 0
