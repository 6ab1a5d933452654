"""The "blocked" kernels (codegen_c/blocked.py) and the portable reference kernels they replace as
the default on cores without the DSP extension: each equals the NumPy reference bit for bit, on
the host and on the emulated RISC-V core (qemu-riscv32-virt, rv32imac).

Every case runs once per feature-free kernel that applies (its candidates: "portable", and
"blocked" where it applies), the kernel forced through a tuning record, so the reference C keeps
its tests now that the host runs "blocked" by default. The shapes are random single-op models
(tests/op_models/ and the generators of tests/ops/test_dsp_variants.py): strides, padding,
channel counts that are and are not multiples of the 4-channel block, odd pixel counts,
per-channel quantisation, pointwise convolutions in place (outputs narrower or wider than the
inputs), and the requantisation's two forms (aot_rq's one rounding where it is exact, TFLM's
aot_mbqm otherwise).
"""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from aot.driver import choose
from aot.driver.compiler import compile_graph
from aot.driver.runner import run_on_board
from aot.driver.tune import TuningRecord
from aot.frontends.tflite import load_tflite
from aot.target.boards import load_board
from codegen_c import blocked
from codegen_c.registry import candidates
from tests.op_models import make, random_inputs
from tests.ops.test_dsp_variants import _depthwise, _fully_connected, _pointwise


def model_for(case: str, seed: int) -> bytes:
    rng = np.random.default_rng([seed, 17])
    if case == "depthwise":  # any channel count, depth multiplier 1
        kernel = tuple(int(k) for k in rng.choice([1, 2, 3, 3, 5], 2))
        return _depthwise(rng, int(rng.integers(1, 14)), 1, kernel)
    if case == "depthwise_mult":  # multiplier > 1: the portable kernel only, unless one input channel
        return _depthwise(rng, int(rng.integers(2, 6)), int(rng.integers(2, 4)))
    if case == "depthwise_ic1":  # one input channel, multiplier > 1: the blocked convolution
        return _depthwise(rng, 1, int(rng.integers(2, 10)), tuple(int(k) for k in rng.integers(1, 6, 2)))
    if case == "pointwise":  # in place: outputs narrower or wider than the inputs
        return _pointwise(rng, int(rng.integers(1, 20)), int(rng.integers(1, 20)))
    if case == "fc":
        return _fully_connected(rng, int(rng.integers(1, 70)), int(rng.integers(1, 14)), int(rng.integers(1, 4)))
    return make(case, seed, "int8")


KINDS = ("conv_2d", "fully_connected", "depthwise_conv_2d", "depthwise", "depthwise_mult", "depthwise_ic1", "pointwise", "fc")
CASES = [(c, s) for c in KINDS for s in range(8)]


def names(model: bytes) -> list[str]:
    """The feature-free kernels of the model's op, by name (each once)."""
    g = load_tflite(model)
    return list(dict.fromkeys(k.name for k in candidates(g.ops[0], g)))


def compiled(model: bytes, tag: str, kernel: str, board):
    g = load_tflite(model)
    g.name = tag
    digest = hashlib.sha256(model).hexdigest()
    record = TuningRecord(tag, digest, board.name, [{"index": 0, "op": g.ops[0].kind, "variant": kernel}])
    return compile_graph(g, Path(f"{tag}.tflite"), digest, board=board, tuning=record)


def check(case: str, seed: int, board, build_dir: Path) -> list[str]:
    """Every kernel of the case runs bit-exact on ``board``; returns their names."""
    model = model_for(case, seed)
    ran = names(model)
    for kernel in ran:
        cm = compiled(model, f"{case}_{seed}_{kernel}", kernel, board)
        assert cm.variants[0].name == kernel, f"{case} {seed}: asked for {kernel}, got {cm.variants[0].name}"
        inputs = random_inputs(model, np.random.default_rng(seed))
        result = run_on_board(cm, board, dict(zip(cm.graph.inputs, inputs)), build_dir=build_dir / kernel)
        for c in result.comparisons:
            assert c.max_abs_diff == 0, f"{case} seed {seed} ({kernel}): differs from the reference on {c.name} by {c.max_abs_diff}"
    return ran


@pytest.mark.parametrize("case,seed", CASES)
def test_kernels_on_host(case, seed, tmp_path):
    check(case, seed, load_board("host"), tmp_path)


OUT_OF_PLACE = [(c, s) for c in ("depthwise", "depthwise_conv_2d", "pointwise") for s in range(4)]


@pytest.mark.parametrize("case,seed", OUT_OF_PLACE)
def test_kernels_out_of_place_on_host(case, seed, tmp_path, monkeypatch):
    """The ops the planner runs in place above, planned without in-place offers: the depthwise and
    pointwise kernels' out-of-place forms."""
    monkeypatch.setattr(choose, "offers", lambda g: {})
    check(case, seed, load_board("host"), tmp_path)


@pytest.mark.parametrize("case,seed", [(c, s) for c in ("conv_2d", "depthwise", "depthwise_ic1", "pointwise", "fc") for s in range(4)])
def test_blocked_with_tflm_requantisation_on_host(case, seed, tmp_path, monkeypatch):
    """aot_mbqm's two roundings, the form used where aot_rq's one rounding is not proven equal."""
    monkeypatch.setattr(blocked.dsp, "fast_requant", lambda *args, **kwargs: False)
    assert "blocked" in check(case, seed, load_board("host"), tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed", [(c, s) for c in KINDS for s in range(2)])
def test_kernels_on_riscv(case, seed, tmp_path):
    check(case, seed, load_board("qemu-riscv32-virt"), tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed", OUT_OF_PLACE[::4])
def test_kernels_out_of_place_on_riscv(case, seed, tmp_path, monkeypatch):
    monkeypatch.setattr(choose, "offers", lambda g: {})
    check(case, seed, load_board("qemu-riscv32-virt"), tmp_path)


def test_cases_reach_the_blocked_kernels():
    """The generators exercise "blocked" (else the tests prove little), in place too, and the
    host's default is "blocked" wherever it applies (priority speed: balanced may keep the portable
    in-place depthwise kernel, whose scratch is smaller than the blocked one's ring)."""
    board, hits, in_place = load_board("host"), 0, 0
    for case, seed in CASES:
        model = model_for(case, seed)
        if "blocked" not in names(model):
            continue
        hits += 1
        cm = compile_graph(load_tflite(model), Path("x.tflite"), "0", board=board, priority="speed")
        assert cm.variants[0].name == "blocked", (case, seed)
        in_place += 0 in cm.plan.in_place
    assert hits >= len(CASES) * 2 // 3 and in_place >= 4


def test_weights_in_read_order():
    rows = np.arange(6 * 3, dtype=np.int8).reshape(6, 3)   # 6 rows of K = 3
    # one block of 4 rows: per k the 4 rows' weights side by side; then rows 4, 5 the same way
    assert blocked.blocks(rows).tolist() == [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11, 12, 15, 13, 16, 14, 17]
