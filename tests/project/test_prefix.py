"""`microaot compile --prefix`: the output builds, and two models with different prefixes (one
int8, one float) link into one host program that runs both, matching the NumPy reference
(int8 bit-exact, float32 within 1e-5 relative), with no generated global left unprefixed; the
helpers of both prefixes (dequantise, top-k, index checks) work side by side in one file.
`microaot project --prefix`: the make/cmake firmware serves the prefixed model's descriptor."""
import subprocess
import sys

import numpy as np
import pytest
from project_helpers import check_rpc, make_project
from test_c_api import dequantize_ref, top_k_ref
from test_project import build_project

from aot.driver.compiler import compile_file
from aot.driver.project import generate_project
from aot.driver.reference import random_inputs, run_graph
from aot.target.boards import load_board
from aot.target.build import recipe
from aot.target.host import HostSession
from aot.target.project import ProjectError
from tests.models_list import MODELS_DIR

MODELS = {"kws": MODELS_DIR / "kws_ref_model_int8.tflite", "hw": MODELS_DIR / "hello_world_float32.tflite"}
CTYPES = {"int8": "int8_t", "float32": "float"}
FORMATS = {"int8": "%d", "float32": "%.9g"}


def c_array(name: str, a: np.ndarray) -> str:
    values = ", ".join(f"{float(v).hex()}f" if a.dtype == np.float32 else str(int(v)) for v in a.ravel())
    return f"static const {CTYPES[str(a.dtype)]} {name}[{a.size}] = {{ {values} }};\n"


TOP_K = 3


def main_c(inputs: dict[str, np.ndarray], outputs: dict[str, np.ndarray]) -> str:
    """A C main that includes both headers, copies each model's input into its own arena, runs
    it and prints every output element on a line of its own after a "<prefix>" line, then
    the count and indices of its top TOP_K and its output dequantised, one per line; it exits 2
    if a helper accepts a bad index."""
    text = "#include <stdio.h>\n#include <string.h>\n\n"
    text += "".join(f'#include "{p}.h"\n' for p in MODELS) + "\n"
    text += "".join(c_array(f"{p}_in", a) for p, a in inputs.items()) + "\n"
    text += "int main(void)\n{\n"
    for p, a in inputs.items():
        P, out = p.upper(), outputs[p]
        text += f"    static uint8_t {p}_arena[{P}_ARENA_SIZE] __attribute__((aligned({P}_ARENA_ALIGN)));\n"
        text += f"    static float {p}_f[{P}_OUTPUT0_ELEMENTS];\n"
        text += f"    uint32_t {p}_top[{TOP_K}], {p}_k;\n"
        text += f"    memcpy({p}_input({p}_arena, 0), {p}_in, sizeof {p}_in);\n"
        text += f"    if ({p}_run({p}_arena) != AOT_OK) return 1;\n"
        text += f'    puts("{p}");\n'
        text += f"    const {CTYPES[str(out.dtype)]} *{p}_out = {p}_output({p}_arena, 0);\n"
        text += f"    for (unsigned i = 0; i < {P}_OUTPUT0_BYTES / sizeof *{p}_out; i++)\n"
        text += f'        printf("{FORMATS[str(out.dtype)]}\\n", {"(double)" if out.dtype == np.float32 else ""}{p}_out[i]);\n'
        text += (f"    if ({p}_dequantize_output({p}_arena, 0, {p}_f, {P}_OUTPUT0_ELEMENTS) != AOT_OK\n"
                 f"        || {p}_dequantize_output({p}_arena, {P}_NUM_OUTPUTS, {p}_f, {P}_OUTPUT0_ELEMENTS) != AOT_ERR_ARG\n"
                 f"        || {p}_quantize_input({p}_arena, {P}_NUM_INPUTS, {p}_f, 1) != AOT_ERR_ARG\n"
                 f"        || {p}_top_k({p}_arena, {P}_NUM_OUTPUTS, 1, {p}_top) != 0) return 2;\n")
        text += f"    {p}_k = {p}_top_k({p}_arena, 0, {TOP_K}, {p}_top);\n"
        text += f'    printf("%u\\n", (unsigned){p}_k);\n'
        text += f'    for (unsigned i = 0; i < {p}_k; i++) printf("%u\\n", (unsigned){p}_top[i]);\n'
        text += f'    for (unsigned i = 0; i < {P}_OUTPUT0_ELEMENTS; i++) printf("%.9g\\n", (double){p}_f[i]);\n'
    return text + "    return 0;\n}\n"


def test_two_prefixed_models_link_into_one_program_and_match_the_reference(tmp_path):
    inputs, expected, quants = {}, {}, {}
    for prefix, model in MODELS.items():
        out = tmp_path / prefix
        r = subprocess.run([sys.executable, "-m", "aot", "compile", str(model), "--prefix", prefix, "-o", str(out)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert (out / f"{prefix}.h").exists() and (out / f"{prefix}.c").exists()
        assert not (out / "model.h").exists() and not (out / "model.c").exists()
        g = compile_file(model).graph
        x = random_inputs(g, seed=3)
        (name,) = g.inputs
        inputs[prefix] = x[name]
        expected[prefix] = run_graph(g, x)[g.outputs[0]]
        quants[prefix] = g.tensor(g.outputs[0]).quant
    (tmp_path / "main.c").write_text(main_c(inputs, expected))
    cflags = [f for f in recipe(load_board("host")).cflags if not f.startswith("-D")]
    objs = []
    for src in [tmp_path / "main.c", *(tmp_path / p / f"{p}.c" for p in MODELS)]:
        obj = tmp_path / f"{src.stem}.o"
        r = subprocess.run(["gcc", *cflags, *(f"-I{tmp_path / p}" for p in MODELS), "-c", str(src), "-o", str(obj)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        objs.append(obj)
    for p in MODELS:   # the globals each model defines: all prefixed
        defined = subprocess.run(["nm", "--defined-only", "-g", str(tmp_path / f"{p}.o")],
                                 capture_output=True, text=True, check=True).stdout.split()[2::3]
        assert defined and all(s.startswith(f"{p}_") for s in defined), defined
    exe = tmp_path / "two_models"
    r = subprocess.run(["gcc", *map(str, objs), "-o", str(exe), "-lm"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    for p, want in expected.items():
        start = lines.index(p) + 1
        got = np.array(lines[start:start + want.size], dtype=np.float64).reshape(want.shape)
        start += want.size
        k = int(lines[start])
        top = [int(v) for v in lines[start + 1:start + 1 + k]]
        scores = np.array(lines[start + 1 + k:start + 1 + k + want.size], dtype=np.float64).astype(np.float32)
        if want.dtype == np.int8:
            assert np.array_equal(got.astype(np.int8), want), p
            quant = quants[p]
            assert np.array_equal(scores, dequantize_ref(want.ravel(), quant.tensor_scale, quant.tensor_zero_point)), p
        else:
            np.testing.assert_allclose(got.astype(np.float32), want, rtol=1e-5, atol=1e-6, err_msg=p)
            assert np.array_equal(scores, got.ravel().astype(np.float32)), p
        assert top == top_k_ref(want, TOP_K), p


@pytest.mark.parametrize("template", ["make", "cmake"])
def test_project_of_a_prefixed_model_builds_and_serves_it(tmp_path, template):
    board = load_board("host")
    folder, cm, project = make_project(tmp_path, template, board, "hello_world_int8.tflite", prefix="hw")
    assert (folder / "model" / "hw.c").is_file() and not (folder / "model" / "model.c").exists()
    build_project(folder, template, board.cc)
    with HostSession(folder / project.firmware) as session:
        check_rpc(session.url, session.alive, cm, "host")


def test_zephyr_project_refuses_a_prefixed_model(tmp_path):
    cm = compile_file(MODELS_DIR / "hello_world_int8.tflite")
    with pytest.raises(ProjectError, match="default prefix"):
        generate_project(cm, None, tmp_path / "z", "zephyr", prefix="hw", zephyr_board="mps2/an386")
    assert not (tmp_path / "z").exists()
