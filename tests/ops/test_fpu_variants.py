"""The float32 kernels for FPU cores (codegen_c/fpu.py, templates/ops/*_fpu.c.j2) equal the
float64 NumPy reference within their stated bound: every output within (K + 2) * 2^-24 *
(|bias| + sum |x * w|) of it, K the taps per output (K + 1 roundings of the fmaf chain, one of
the reference's float32 output). On the host (the "fpu" feature forced: fmaf is libm's, exact
to one rounding like VFMA) and on the emulated Cortex-M4F (qemu-mps2-an386, VFMA.F32).

Random single-op models from tests/op_models/ (kernel sizes 1-5, strides 1-2, dilation 1-2,
SAME/VALID padding, channels 1-16: rarely a multiple of the 4-channel tile, activations NONE,
RELU, RELU6, batch 1-2), plus the shapes the draws rarely reach: 1x1 convolutions (a matrix
multiply, run in place over their input by the planner, walking forward or backward), depthwise
layers with channels a multiple of 4 or not at stride 1 and 2 (run in place: storing each tile's
outputs at once, or holding them back where later tiles read the input they replace), one input
channel with a depth multiplier (the conv kernel), fully connected layers with one batch row (8
weight rows per tile) or several; and the Helium float fully connected kernel ("mvef", lanes of
taps k mod 4 summed at the end: within the same bound, codegen_c/ops/fully_connected_mve.py) on the
emulated Cortex-M55 (qemu-mps3-an547).
The float models run on the FPU boards with these kernels by default.
"""
import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from aot.driver.compiler import compile_file, compile_graph
from aot.driver.reference import random_inputs as random_inputs_of
from aot.driver.reference import run_graph
from aot.driver.runner import run_on_board
from aot.frontends.tflite import load_tflite
from aot.target.boards import load_board
from codegen_c import fpu
from codegen_c.registry import candidates
from tests.models.test_sanitizers import sanitized_host
from tests.models_list import FLOAT_MODELS, model_path
from tests.op_models import Model, make, random_inputs


def _conv(rng, cin: int, cout: int, kernel: tuple[int, int], stride: tuple[int, int], padding: str) -> bytes:
    m = Model(rng, "float32")
    hw = tuple(int(rng.integers(k, 14)) for k in kernel)
    out = tuple(-(-n // s) if padding == "SAME" else (n - k) // s + 1 for n, k, s in zip(hw, kernel, stride))
    x = m.input("x", (1, *hw, cin))
    w, _ = m.weights("w", (cout, *kernel, cin), 0, kernel[0] * kernel[1] * cin)
    bias = m.bias("bias", cout, 1.0, np.ones(1), real_std=0.1)
    y = m.output((1, *out, cout))
    return m.finish("CONV_2D", [x, w, bias], [y], padding=padding, stride=stride, dilation=(1, 1), activation=m.activation())


def _depthwise(rng, cin: int, mult: int, stride: tuple[int, int], padding: str) -> bytes:
    m = Model(rng, "float32")
    kernel = (3, 3)
    hw = tuple(int(rng.integers(3, 14)) for _ in kernel)
    out = tuple(-(-n // s) if padding == "SAME" else (n - k) // s + 1 for n, k, s in zip(hw, kernel, stride))
    x = m.input("x", (1, *hw, cin))
    w, _ = m.weights("w", (1, *kernel, cin * mult), 3, 9)
    bias = m.bias("bias", cin * mult, 1.0, np.ones(1), real_std=0.1)
    y = m.output((1, *out, cin * mult))
    ins = [x, w] if bias is None else [x, w, bias]
    return m.finish("DEPTHWISE_CONV_2D", ins, [y], padding=padding, stride=stride, dilation=(1, 1),
                    activation=m.activation(), depth_multiplier=mult)


def _fully_connected(rng) -> bytes:
    m = Model(rng, "float32")
    k, units = int(rng.integers(1, 70)), int(rng.integers(1, 19))
    batch = 1 if rng.random() < 0.5 else int(rng.integers(2, 10))  # one row: the 8-row tiles
    x = m.input("x", (batch, k))
    w, _ = m.weights("w", (units, k), None, k)
    bias = m.bias("bias", units, 1.0, np.ones(1), real_std=0.1)
    y = m.output((batch, units))
    return m.finish("FULLY_CONNECTED", [x, w, bias], [y], activation=m.activation(), keep_num_dims=False)


def model_for(case: str, seed: int) -> bytes:
    rng = np.random.default_rng([seed, 16])
    pick = lambda *values: values[int(rng.integers(len(values)))]  # noqa: E731
    if case == "pointwise":  # in place: narrower outputs walk forward, wider ones backward
        return _conv(rng, int(rng.integers(1, 40)), int(rng.integers(1, 40)), (1, 1), (1, 1), "VALID")
    if case == "pointwise_deep":  # in place, more than 1 KB per tile of pixels: copied one pixel at a time
        return _conv(rng, int(rng.integers(65, 90)), int(rng.integers(30, 120)), (1, 1), (1, 1), "VALID")
    if case == "conv3x3":
        return _conv(rng, int(rng.integers(1, 12)), int(rng.integers(1, 20)), (3, 3), pick((1, 1), (2, 2), (1, 2)), pick("SAME", "VALID"))
    if case == "depthwise4":
        return _depthwise(rng, pick(4, 8, 12, 16, 5, 7), 1, pick((1, 1), (2, 2)), pick("SAME", "VALID"))
    if case == "depthwise_s1":  # stride 1 SAME: in place, outputs held back
        return _depthwise(rng, pick(4, 8, 5, 12, 16), 1, (1, 1), "SAME")
    if case == "depthwise_s2":  # stride 2, no top/left padding: in place
        return _depthwise(rng, pick(4, 8, 3), 1, (2, 2), "VALID")
    if case == "depthwise_ic1":
        return _depthwise(rng, 1, pick(1, 4, 6, 8), pick((1, 1), (2, 2)), pick("SAME", "VALID"))
    if case == "fc":
        return _fully_connected(rng)
    return make(case, seed, "float32")


KINDS = ("conv_2d", "depthwise_conv_2d", "fully_connected", "pointwise", "pointwise_deep", "conv3x3", "depthwise4", "depthwise_s1", "depthwise_s2",
         "depthwise_ic1", "fc")
CASES = [(c, s) for c in KINDS for s in range(6)]


FLOAT_KERNELS = ("fpu", "mvef")  # the scalar FMA kernels, and Helium's float lanes (tests/ops/test_mve_variants.py: conv, depthwise)


def fpu_board(name: str = "host"):
    """The board with the "fpu" feature (the host board gets it to run the kernels on the host)."""
    return dataclasses.replace(load_board(name), features=("fpu",))


def compiled(case: str, seed: int, board, model_of=model_for):
    model = model_of(case, seed)
    g = load_tflite(model)
    g.name = f"fpu_{case}_{seed}"
    # no cost model (cpu ""): priority speed takes the preference order, the float kernel declared last
    return model, compile_graph(g, Path(f"{g.name}.tflite"), hashlib.sha256(model).hexdigest(),
                                board=dataclasses.replace(board, cpu=""), priority="speed")


def taps(op, g) -> int:
    """Products summed into each output."""
    w = g.tensor(op.inputs[1]).shape
    return int(np.prod(w[1:3] if op.kind == "depthwise_conv2d" else w[1:]))


def magnitude(model: bytes, inputs: list[np.ndarray]) -> dict[str, np.ndarray]:
    """|bias| + sum |x * w| of every output (the reference on |inputs|, |weights|, no activation)."""
    g = load_tflite(model)
    for op in g.ops:
        op.attrs["activation"] = "NONE"
        for name in op.inputs[1:]:
            if name is not None and g.tensor(name).is_const:
                g.tensor(name).data = np.abs(g.tensor(name).data)
    return run_graph(g, dict(zip(g.inputs, (np.abs(x) for x in inputs))))


def check(case: str, seed: int, board, build_dir, model_of=model_for) -> None:
    """Case ``case`` (``model_of(case, seed)``: this module's, or another's generators) compiled
    for ``board`` runs within the stated bound of the reference, on the fastest float kernel."""
    model, cm = compiled(case, seed, board, model_of)
    op = cm.graph.ops[0]
    where = cm.plan.overwritten_input(0, op.inputs, op.outputs[0])  # run in place: the kernels that can
    fast = [k.name for k in candidates(op, cm.graph, board.features, where) if k.name in FLOAT_KERNELS]
    if fast:  # the fastest, declared last
        assert cm.variants[0].name == fast[-1], f"{case} {seed}: the {fast[-1]} kernel was not chosen"
    elif case not in ("conv_2d", "depthwise_conv_2d", "fully_connected"):
        raise AssertionError(f"{case} {seed}: no fpu kernel applies")
    inputs = random_inputs(model, np.random.default_rng(seed))
    result = run_on_board(cm, board, dict(zip(cm.graph.inputs, inputs)), build_dir=Path(build_dir))
    assert result.match, [(c.max_abs_diff, c.tolerance) for c in result.comparisons]
    scale = magnitude(model, inputs)
    k = max(taps(o, cm.graph) for o in cm.graph.ops if o.kind in ("conv2d", "depthwise_conv2d", "fully_connected"))
    for name, got in result.outputs.items():
        exact = result.expected[name].astype(np.float64)
        bound = (k + 2) * 2.0 ** -24 * scale[name].astype(np.float64) + 1e-30
        worst = float(np.max(np.abs(got.astype(np.float64) - exact) / bound, initial=0.0))
        assert worst <= 1.0, f"{case} seed {seed} ({cm.variants[0].key}): {worst:.2f}x the stated bound"


@pytest.mark.parametrize("case,seed", CASES)
def test_fpu_variant_on_host(case, seed, tmp_path):
    check(case, seed, fpu_board("host"), tmp_path)


@pytest.mark.parametrize("case", KINDS)
def test_fpu_variant_sanitized_on_host(case, tmp_path):
    """Built with ASan + UBSan (tests/models/test_sanitizers.py): no read off a weights array or
    the arena, no pointer overflow, in the tiles and their border columns."""
    check(case, 1, dataclasses.replace(sanitized_host(), features=("fpu",)), tmp_path)


@pytest.mark.parametrize("name", FLOAT_MODELS)
def test_float_model_sanitized_on_host(name, tmp_path):
    board = dataclasses.replace(sanitized_host(), features=("fpu",))
    cm = compile_file(model_path(name), board=board)
    assert any(v.name == "fpu" for v in cm.variants.values())
    result = run_on_board(cm, board, random_inputs_of(cm.graph, 5), build_dir=tmp_path)
    assert result.match, [(c.name, c.max_abs_diff, c.tolerance) for c in result.comparisons]


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed", [(c, s) for c in KINDS for s in range(2)])
def test_fpu_variant_on_cortex_m4f(case, seed, tmp_path):
    check(case, seed, load_board("qemu-mps2-an386"), tmp_path)


@pytest.mark.qemu
@pytest.mark.parametrize("case,seed", [(c, s) for c in ("fc", "fully_connected") for s in range(6)])
def test_mvef_fully_connected_on_cortex_m55(case, seed, tmp_path):
    """The MVE-F fully connected kernel (lanes summed at the end) within the same bound."""
    check(case, seed, load_board("qemu-mps3-an547"), tmp_path)


def test_cases_reach_the_fpu_kernels_and_run_in_place():
    """The draws exercise the fpu kernels, and every in-place form: the depthwise one storing at
    once or holding outputs back, the 1x1 conv walking forward and backward, a tile of pixels or
    one at a time."""
    board = fpu_board("host")
    chosen, in_place = 0, set()
    for case, seed in CASES:
        _, cm = compiled(case, seed, board)
        op, g = cm.graph.ops[0], cm.graph
        chosen += cm.variants[0].name == "fpu"
        if cm.plan.in_place and cm.variants[0].name == "fpu":
            ic, oc = g.tensor(op.inputs[0]).shape[-1], g.tensor(op.outputs[0]).shape[-1]
            in_place.add(("held", fpu.write_delay(op, g) > 0) if op.kind == "depthwise_conv2d" else (oc > ic, ic > 64))
    assert chosen >= len(CASES) * 3 // 4
    assert in_place == {("held", False), ("held", True), (False, False), (True, False), (False, True), (True, True)}


def test_boards_without_fma_keep_the_portable_kernels():
    """The M3 and RISC-V boards have no FPU: fmaf would be a libcall there."""
    for name in ("qemu-mps2-an385", "qemu-riscv32-virt"):
        board = load_board(name)
        assert "fpu" not in board.features
        _, cm = compiled("conv3x3", 0, board)
        assert cm.variants[0].name == "portable"


@pytest.mark.qemu
@pytest.mark.parametrize("board,name", [("qemu-mps2-an386", m) for m in FLOAT_MODELS]
                         + [(b, "ic_resnet8_float32") for b in ("qemu-mps2-an500", "qemu-mps3-an547")])
def test_float_model_on_qemu(board, name, tmp_path):
    """The float models by default (balanced) on the FPU boards: every conv, depthwise (multiplier
    1) and fully connected op on the fpu kernel, the arena no larger than the portable build's,
    the outputs within the float tolerance."""
    b = load_board(board)
    cm = compile_file(model_path(name), board=b)
    for i, op in enumerate(cm.graph.ops):
        if op.kind in ("conv2d", "fully_connected") or op.kind == "depthwise_conv2d" and op.attrs["depth_multiplier"] == 1:
            assert cm.variants[i].name in FLOAT_KERNELS, (i, op.kind, cm.variants[i].key)
    assert cm.plan.arena_bytes <= compile_file(model_path(name)).plan.arena_bytes
    result = run_on_board(cm, b, random_inputs_of(cm.graph, 5), build_dir=tmp_path)
    assert result.match, [(c.name, c.max_abs_diff, c.tolerance) for c in result.comparisons]
