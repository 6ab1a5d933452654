"""The C API as the README documents it: the README's C program (the block after its
``<!-- c-api-example -->`` marker), taken verbatim, builds warning-free with each model's
compile output, with and without -DAOT_EXTERNAL_ARENA, for the host (and compiles for Cortex-M),
links one arena only, and prints what the NumPy reference gives; the helpers it calls
(aot_model.h: quantise, dequantise, top-k) agree with NumPy over every dtype they take,
including .5 ties, clamping and tied scores; compile writes the files the README lists, the
README's model.h figures are kws's, and model.h, model.c, metadata.json and memory.txt give one
arena alignment."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from aot.core.ir import DTYPE_CODES
from aot.core.resources import data_dir
from aot.driver.compiler import compile_file
from aot.driver.reference import run_graph
from aot.target.boards import load_board
from aot.target.build import recipe
from tests.models_list import MODELS_DIR

ROOT = Path(__file__).resolve().parents[2]
MODELS = {"int8": MODELS_DIR / "kws_ref_model_int8.tflite", "float32": MODELS_DIR / "hello_world_float32.tflite"}
STRICT = [*(f for f in recipe(load_board("host")).cflags if not f.startswith("-D")), "-pedantic"]
TOP_K = 3  # the README program's TOP_K


def readme_program() -> str:
    """The C block that follows the README's ``<!-- c-api-example: ... -->`` marker, as written."""
    text = (ROOT / "README.md").read_text()
    found = re.findall(r"<!-- c-api-example: [\w.]+ -->\n```c\n(.*?)```", text, re.S)
    assert len(found) == 1, "README.md: expected one C block after a <!-- c-api-example: ... --> marker"
    return found[0]


def compile_model(model: Path, out: Path, *extra: str) -> None:
    r = subprocess.run([sys.executable, "-m", "aot", "compile", str(model), "-o", str(out), "-q", *extra],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def gcc(args: list, cc: str = "gcc") -> None:
    r = subprocess.run([cc, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def quantize_ref(v: np.ndarray, scale: float, zp: int, dtype) -> np.ndarray:
    """TFLite's QUANTIZE (reference_ops::AffineQuantize): round(v / scale) half away from zero
    (the division in float32), plus the zero point, clamped to the type."""
    x = (v.astype(np.float32) / np.float32(scale)).astype(np.float64)
    r = np.sign(x) * np.floor(np.abs(x) + 0.5)
    info = np.iinfo(dtype)
    return np.clip(r + zp, info.min, info.max).astype(dtype)


def dequantize_ref(q: np.ndarray, scale: float, zp: int) -> np.ndarray:
    return np.float32(scale) * (q.astype(np.int64) - zp).astype(np.float32)


def top_k_ref(values: np.ndarray, k: int) -> list[int]:
    v = values.ravel().astype(np.float64)  # exact for every type taken; negating int8's -128 is not
    return sorted(range(v.size), key=lambda i: (-v[i], i))[:k]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("c_api")
    out = {}
    for kind, model in MODELS.items():
        compile_model(model, base / kind)
        out[kind] = base / kind
    return out


def test_compile_writes_the_files_the_readme_lists(compiled, tmp_path):
    headers = {"model.h", "aot_model.h", "aot_fixedpoint.h", "aot_dsp.h"}
    listed = {"model.c", *headers, "metadata.json", "memory.txt"}
    readme = (ROOT / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in listed | {"aot_dsp.c"})
    assert {p.name for p in compiled["int8"].iterdir()} == listed
    compile_model(MODELS["int8"], tmp_path / "dsp", "--board", "qemu-mps2-an386")
    assert {p.name for p in (tmp_path / "dsp").iterdir()} == listed | {"aot_dsp.c"}


def defines(text: str) -> dict[str, int]:
    return {m[0]: int(m[1]) for m in re.findall(r"#define (MODEL_\w+) (\d+)u", text)}


def test_readme_declarations_are_those_of_kws(compiled):
    """The README's model.h excerpt shows kws_ref_model_int8's figures."""
    text = (ROOT / "README.md").read_text()
    shown = defines(text[text.index("## The generated C API"):text.index("<!-- c-api-example")])
    actual = defines((compiled["int8"] / "model.h").read_text())
    assert shown and all(actual[k] == v for k, v in shown.items()), (shown, actual)


def int64_gather_model(path: Path) -> Path:
    """y = x[i] with int64 indices i, an input: an int64 tensor in the arena."""
    g = helper.make_graph([helper.make_node("Gather", ["x", "i"], ["y"], axis=0)], "gather64",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, 3]),
                           helper.make_tensor_value_info("i", TensorProto.INT64, [3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 3])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


@pytest.mark.parametrize("kind", ["int8", "int64"])
def test_one_arena_alignment_everywhere(compiled, tmp_path, kind):
    """model.h, model.c's static arena, metadata.json and memory.txt give one alignment: 4 for
    int8/int32/float32 tensors, 8 once the arena holds an int64; every offset is a multiple."""
    out, want = compiled["int8"], 4
    if kind == "int64":
        out, want = tmp_path / "g", 8
        compile_model(int64_gather_model(tmp_path / "g.onnx"), out)
    meta = json.loads((out / "metadata.json").read_text())
    assert defines((out / "model.h").read_text())["MODEL_ARENA_ALIGN"] == meta["arena_alignment"] == want
    assert f"alignment {want})" in (out / "memory.txt").read_text()
    assert "__attribute__((aligned(MODEL_ARENA_ALIGN)))" in (out / "model.c").read_text()
    assert all(t["offset"] % want == 0 for t in meta["inputs"] + meta["outputs"])


@pytest.mark.parametrize("external", [False, True], ids=["static-arena", "external-arena"])
@pytest.mark.parametrize("kind", list(MODELS))
def test_readme_program_builds_links_one_arena_and_matches_the_reference(compiled, tmp_path, kind, external):
    out = compiled[kind]
    (tmp_path / "app.c").write_text(readme_program())
    define = ["-DAOT_EXTERNAL_ARENA"] if external else []
    exe = tmp_path / "app"
    gcc([*STRICT, *define, f"-I{out}", tmp_path / "app.c", out / "model.c", "-o", exe, "-lm"])

    cm = compile_file(MODELS[kind])
    g, arena = cm.graph, cm.plan.arena_bytes
    # the arena is linked once: the program's when external, model.c's otherwise
    symbols = subprocess.run(["nm", "-S", str(exe)], capture_output=True, text=True, check=True).stdout.splitlines()
    big = [line.split()[3] for line in symbols
           if len(line.split()) == 4 and line.split()[2] in "bBdD" and int(line.split()[1], 16) >= arena]
    assert big == (["arena_bytes"] if external else ["model_arena"]), big

    (name,), (out_name,) = g.inputs, g.outputs
    x_t, y_t = g.tensor(name), g.tensor(out_name)
    features = np.random.default_rng(7).uniform(-2, 2, x_t.size).astype(np.float32)
    if x_t.dtype == "float32":
        x = features
    else:
        x = quantize_ref(features, x_t.quant.tensor_scale, x_t.quant.tensor_zero_point, x_t.np_dtype)
    y = run_graph(g, {name: x.reshape(x_t.shape)})[out_name].ravel()
    run = subprocess.run([str(exe)], input=" ".join(f"{v:.9g}" for v in features), capture_output=True,
                         text=True, check=True).stdout.splitlines()
    top = [int(line.split()[1].rstrip(":")) for line in run[:min(TOP_K, y.size)]]
    scores = np.array(run[len(top):], dtype=np.float64).astype(np.float32)
    if y_t.dtype == "float32":
        np.testing.assert_allclose(scores, y, rtol=1e-5, atol=1e-6)
        assert top == top_k_ref(y, TOP_K)
    else:
        assert np.array_equal(scores, dequantize_ref(y, y_t.quant.tensor_scale, y_t.quant.tensor_zero_point))
        assert top == top_k_ref(y, TOP_K)


@pytest.mark.parametrize("cpu", ["cortex-m4", "cortex-m0"])
def test_readme_program_compiles_for_cortex_m(compiled, tmp_path, cpu):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("not installed: arm-none-eabi-gcc")
    (tmp_path / "app.c").write_text(readme_program())
    for define in ([], ["-DAOT_EXTERNAL_ARENA"]):
        gcc([*STRICT, *define, "-mthumb", f"-mcpu={cpu}", f"-I{compiled['int8']}", "-c", tmp_path / "app.c",
             "-o", tmp_path / "app.o"], cc="arm-none-eabi-gcc")


# One tensor per case through aot_model.h's helpers: quantise `values`, dequantise and top-k `raw`.
HARNESS = """#include <math.h>
#include <stdio.h>
#include "aot_model.h"

static const float values[{n}] = {{ {values} }};
static const {ctype} raw[{n}] = {{ {raw} }};
static {ctype} q[{n}];
static float f[{n}];
static uint32_t top[{n}];

int main(void)
{{
    aot_tensor_desc_t t = {{"t", {code}, 1, {{{n}}}, {scale}, {zp}, 0u, (uint32_t)sizeof q}};
    uint32_t i, k;
    printf("%d %d\\n", aot_tensor_quantize(&t, (uint8_t *)q, values, {n} - 1),
           aot_tensor_dequantize(&t, (const uint8_t *)raw, f, {n} + 1));
    printf("%d\\n", aot_tensor_quantize(&t, (uint8_t *)q, values, {n}));
    for (i = 0; i < {n}; i++) printf("{fmt}\\n", ({cast})q[i]);
    printf("%d\\n", aot_tensor_dequantize(&t, (const uint8_t *)raw, f, {n}));
    for (i = 0; i < {n}; i++) printf("%.9g\\n", (double)f[i]);
    k = aot_tensor_top_k(&t, (const uint8_t *)raw, {k}, top);
    printf("%u\\n", (unsigned)k);
    for (i = 0; i < k; i++) printf("%u\\n", (unsigned)top[i]);
    return 0;
}}
"""
CTYPES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int32_t", "float32": "float"}


def c_values(a: np.ndarray) -> str:
    if a.dtype == np.float32:
        return ", ".join(("-INFINITY" if v < 0 else "INFINITY") if np.isinf(v) else f"{float(v).hex()}f" for v in a)
    return ", ".join(f"({int(v)})" if v != np.iinfo(a.dtype).min else f"({int(v) + 1} - 1)" for v in a)


def run_harness(tmp_path: Path, dtype: str, scale: float, zp: int, values: np.ndarray, raw: np.ndarray, k: int):
    n = values.size
    fmt, cast = ("%.9g", "double") if dtype == "float32" else ("%ld", "long")
    src = HARNESS.format(n=n, values=c_values(values), raw=c_values(raw), ctype=CTYPES[dtype], code=DTYPE_CODES[dtype],
                         scale=f"{float(np.float32(scale)).hex()}f", zp=zp, k=k, fmt=fmt, cast=cast)
    (tmp_path / "h.c").write_text(src)
    gcc([*STRICT, f"-I{data_dir('runtime_c') / 'include'}", tmp_path / "h.c", "-o", tmp_path / "h"])
    lines = subprocess.run([str(tmp_path / "h")], capture_output=True, text=True, check=True).stdout.split()
    bad_n, rc_q, q, rc_d = lines[:2], lines[2], lines[3:3 + n], lines[3 + n]
    f = np.array(lines[4 + n:4 + 2 * n], dtype=np.float64).astype(np.float32)
    count = int(lines[4 + 2 * n])
    return bad_n, int(rc_q), q, int(rc_d), f, [int(v) for v in lines[5 + 2 * n:5 + 2 * n + count]]


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "float32"])
def test_helpers_match_numpy(tmp_path, dtype):
    rng = np.random.default_rng(DTYPE_CODES[dtype])
    n, k = 64, 10
    if dtype == "float32":
        scale, zp = 0.0, 0
        raw = rng.choice(np.float32([-1.5, 0, 0.25, 3]), n)  # few distinct values: ties
        values = rng.normal(size=n).astype(np.float32)
    else:
        info = np.iinfo(dtype)
        scale = float(np.float32(rng.uniform(0.01, 0.2)))
        zp = int(rng.integers(max(info.min, -1000), min(info.max, 1000)))
        raw = rng.integers(max(info.min, -4), min(info.max, 4), n, endpoint=True).astype(dtype)  # ties
        raw[:2] = info.min, info.max
        ties = (rng.integers(-300, 300, n // 2) + 0.5).astype(np.float32) * np.float32(scale)
        big = np.float32([1e30, -1e30, np.inf, -np.inf, 3e9, -3e9, info.max * scale * 2, info.min * scale * 2])
        values = np.concatenate([ties, big, rng.normal(0, 100 * scale, n // 2 - big.size)]).astype(np.float32)
    bad_n, rc_q, q, rc_d, f, top = run_harness(tmp_path, dtype, scale, zp, values, raw, k)
    assert bad_n == ["1", "1"]  # n other than the element count: AOT_ERR_ARG
    assert top == top_k_ref(raw, k)
    if dtype == "float32":
        assert rc_q == rc_d == 0
        assert np.array_equal(np.array(q, dtype=np.float64).astype(np.float32), values)
        assert np.array_equal(f, raw)
        return
    assert rc_d == 0 and np.array_equal(f, dequantize_ref(raw, scale, zp))
    if dtype == "int32":  # no int32 input to quantise into (TFLite's QUANTIZE gives int8/uint8/int16)
        assert rc_q == 1
        return
    x = values[np.isfinite(values)] / np.float32(scale)
    assert np.count_nonzero(np.abs(x - np.trunc(x)) == 0.5) > n // 4  # the ties reach the rounding
    want = quantize_ref(values, scale, zp, np.dtype(dtype))
    assert rc_q == 0 and [int(v) for v in q] == want.tolist()
    assert {int(want.min()), int(want.max())} == {np.iinfo(dtype).min, np.iinfo(dtype).max}  # clamped both ways
