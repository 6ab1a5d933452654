"""DEQUANTIZE's three kernels (codegen_c/ops/dequantize.py): a 256-entry table for large int8/uint8
tensors, a single-precision multiply where a compile-time check over every input proves it
bit-identical to TFLM's double computation, and that double computation otherwise. Each runs
bit-exact against the reference (itself checked against tflite-micro) on the host and the
emulated Cortex-M4."""
import re
from pathlib import Path

import numpy as np
import pytest

import codegen_c.ops.dequantize as kernel
from aot.driver.compiler import emit
from aot.driver.runner import run_on_board
from aot.ops.dequantize import single_precision_exact
from aot.target.boards import load_board
from tests.op_models import random_inputs
from tests.op_models.quant import Model, _qtensor
from tests.ops.compare import check_model_against_tflm, compile_model


def _model(dtype: str, size: int, seed: int = 0, quant=None) -> bytes:
    m = Model(np.random.default_rng(seed), "int8")
    x = _qtensor(m, "x", (1, size), dtype, quant, graph_input=True)
    return m.finish("DEQUANTIZE", [x], [_qtensor(m, "y", (1, size), "float32")])


def _run(model: bytes, name: str, board: str, build_dir: Path) -> str:
    """Generated C of ``model`` run on ``board`` equals the reference bit for bit; returns model.c."""
    target = load_board(board)
    cm = compile_model(model, name, target)
    inputs = random_inputs(model, np.random.default_rng(1))
    result = run_on_board(cm, target, dict(zip(cm.imported.inputs, inputs)), build_dir=build_dir)
    assert all(c.max_abs_diff == 0 for c in result.comparisons), [(c.name, c.max_abs_diff) for c in result.comparisons]
    emit(cm, build_dir / "src")
    return (build_dir / "src" / "model.c").read_text()


# (dtype, elements, the kernel's expression): large int8/uint8 read the table, the rest multiply in float
CASES = [("int8", 1000, "table"), ("uint8", 300, "table"), ("int8", 40, "single"), ("uint8", 7, "single"),
         ("int16", 1000, "single")]
FORMS = {"table": r"\[x\[i\]( \+ 128)?\]", "single": r"\(float\)\(\(int32_t\)x\[i\][^;]*\) \* [0-9.e+-]+f;",
         "double": r"\(float\)\([0-9.e+-]+ \* \(double\)"}


def _assert_form(c: str, form: str) -> None:
    body = c[c.index("AOT_OP op0_dequantize"):]
    assert re.search(FORMS[form], body), body[:400]
    assert all(not re.search(FORMS[f], body) for f in FORMS if f != form), body[:400]


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
def test_single_precision_proven_for_typical_scales(dtype, seed):
    rng = np.random.default_rng(seed)
    scale = float(np.float32(np.exp(rng.uniform(np.log(1e-6), np.log(10.0)))))
    info = np.iinfo(dtype)
    assert single_precision_exact(scale, int(rng.integers(info.min, info.max + 1)), dtype)


@pytest.mark.parametrize("scale", [1e-45, 1e-40, 1.1754942e-38, 3.4e38])
def test_single_precision_proven_at_float32_extremes(scale):
    """Subnormal results and overflow to infinity round the same in both precisions."""
    assert single_precision_exact(float(np.float32(scale)), 0, "int16")


@pytest.mark.parametrize("scale", [0.1, 1 / 3, 2.0 ** -150 * 3])
def test_a_scale_that_is_not_float32_fails_the_proof(scale):
    """The single-precision kernel rounds the scale to float32 first; the reference does not."""
    assert not single_precision_exact(scale, 0, "int8")


@pytest.mark.parametrize("dtype,size,form", CASES)
def test_kernel_choice_on_host(dtype, size, form, tmp_path):
    model = _model(dtype, size)
    check_model_against_tflm(model, 0, f"dequantize {dtype} x{size}")
    _assert_form(_run(model, f"dq_{dtype}_{size}", "host", tmp_path), form)


def test_falls_back_to_double_when_the_proof_fails(monkeypatch, tmp_path):
    monkeypatch.setattr(kernel, "single_precision_exact", lambda *a: False)
    _assert_form(_run(_model("int16", 100), "dq_double", "host", tmp_path), "double")


@pytest.mark.qemu
@pytest.mark.parametrize("dtype,size,form", CASES)
def test_kernel_choice_on_cortex_m4(dtype, size, form, tmp_path):
    _assert_form(_run(_model(dtype, size, seed=2), f"dq_{dtype}_{size}", "qemu-mps2-an386", tmp_path), form)


@pytest.mark.qemu
def test_double_fallback_on_cortex_m4(monkeypatch, tmp_path):
    monkeypatch.setattr(kernel, "single_precision_exact", lambda *a: False)
    _assert_form(_run(_model("int8", 50, seed=3), "dq_double", "qemu-mps2-an386", tmp_path), "double")
