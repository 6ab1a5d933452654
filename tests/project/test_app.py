"""`microaot project --template app`: app/main.c runs one inference on the baked sample and prints
the top class, its score and the counter on the UART. Built with plain make away from microaot,
run on the host and under QEMU; the printed class must be the NumPy reference's argmax for that
sample and the score its (dequantised) value."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from project_helpers import MODELS, ROOT, make_project, need_tools
from test_project import build_project

from aot import cli
from aot.driver.compiler import compile_file
from aot.driver.reference import random_inputs, run_graph
from aot.driver.validate import convert
from aot.target.boards import load_board
from aot.target.project import ProjectError, write_project
from aot.target.qemu import qemu_command

KWS = "kws_ref_model_int8.tflite"
RESNET_FLOAT = "ic_resnet8_float32.tflite"


def printed(text: str) -> dict:
    """The lines app/main.c prints: model/board, top class, score, counter."""
    m = re.search(r"model (\S+) on (\S+)\ntop class (\d+)\nscore (-?\d+\.\d{4})\n(\w+) (\d+)\n", text)
    assert m, f"unexpected output: {text!r}"
    return {"model": m[1], "board": m[2], "class": int(m[3]), "score": float(m[4]), "unit": m[5], "counter": int(m[6])}


def expected_top(cm, inputs: dict) -> tuple[int, float]:
    """Argmax of output 0 of the NumPy reference (first on a tie) and its dequantised value."""
    name = cm.graph.outputs[0]
    out = run_graph(cm.graph, inputs)[name].ravel()
    k = int(np.argmax(out))
    q = cm.graph.tensor(name).quant
    value = float(out[k]) if q is None else float(q.tensor_scale) * (int(out[k]) - int(q.tensor_zero_point))
    return k, value


def distinct_samples(cm, count: int) -> list[dict]:
    """Samples whose reference top classes all differ (random normal values of a few amplitudes:
    uniform random inputs give these models one or two classes), so that the printed class
    depends on the sample and a program that ignored its input would fail."""
    t = cm.graph.tensor(cm.graph.inputs[0])
    found: dict[int, dict] = {}
    for amplitude in (0.1, 0.4, 1.0):
        for seed in range(10):
            x = np.random.default_rng(seed).normal(size=t.shape) * amplitude
            x = x.astype(np.float32) if t.dtype == "float32" else np.clip(np.round(x * 40), -128, 127).astype(t.np_dtype)
            inputs = {cm.graph.inputs[0]: x}
            found.setdefault(expected_top(cm, inputs)[0], inputs)
            if len(found) == count:
                return list(found.values())
    pytest.fail(f"no {count} samples with different top classes")


def check_output(text: str, cm, inputs: dict, board) -> None:
    got = printed(text)
    cls, score = expected_top(cm, inputs)
    assert got["model"] == cm.graph.name and got["board"] == board.name
    assert got["class"] == cls
    assert abs(got["score"] - score) <= 0.5e-4 + 1e-6 * abs(score)
    assert got["unit"] == board.counter and got["counter"] > 0


@pytest.mark.parametrize("model", [KWS, RESNET_FLOAT])
def test_host_app_prints_the_reference_top_class(tmp_path, model):
    board = load_board("host")
    cm = compile_file(MODELS / model, board=board)
    for i, inputs in enumerate(distinct_samples(cm, 2)):
        np.savez(tmp_path / f"sample{i}.npz", **inputs)
        folder, cm, project = make_project(tmp_path / str(i), "app", board, model, inputs=tmp_path / f"sample{i}.npz")
        build_project(folder, "make", board.cc)
        check_output(run_app(board, folder, project), cm, inputs, board)


def run_app(board, folder, project) -> str:
    """The app's UART output: stdout on the host, QEMU's -serial stdio under QEMU."""
    exe = folder / project.firmware
    command = qemu_command(board, exe, "stdio") if board.run == "qemu" else [str(exe)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr   # main returned 0 (under QEMU: the semihosting exit)
    return run.stdout


@pytest.mark.qemu
def test_qemu_app_prints_the_reference_top_class_of_a_given_sample(tmp_path):
    board = load_board("qemu-mps2-an386")
    need_tools(board.qemu[0])
    cm = compile_file(MODELS / KWS, board=board)
    inputs = distinct_samples(cm, 2)[1]
    sample = tmp_path / "sample.npy"
    np.save(sample, inputs[cm.graph.inputs[0]])
    folder, cm, project = make_project(tmp_path, "app", board, KWS, inputs=sample)
    assert "from sample.npy" in (folder / "app" / "sample_input.h").read_text()
    build_project(folder, "make", board.cc)
    check_output(run_app(board, folder, project), cm, inputs, board)


@pytest.mark.parametrize("board_name", ["host", pytest.param("qemu-mps2-an386", marks=pytest.mark.qemu)])
def test_app_quantises_a_float_sample(tmp_path, board_name):
    """Float values for the int8 input: main.c quantises them with <prefix>_quantize_input; the
    expected class is the reference's on the input quantised by the QUANTIZE reference (as
    `microaot validate` quantises float samples)."""
    board = load_board(board_name)
    need_tools(board.cc, *board.qemu[:1])
    cm = compile_file(MODELS / KWS, board=board)
    name = cm.graph.inputs[0]
    t = cm.graph.tensor(name)
    q = distinct_samples(cm, 2)[1][name].astype(np.float64)
    noise = np.random.default_rng(1).uniform(-0.45, 0.45, q.shape)   # off the quantisation grid
    floats = (t.quant.tensor_scale * (q - t.quant.tensor_zero_point + noise)).astype(np.float32)
    np.save(tmp_path / "floats.npy", floats)
    folder, cm, project = make_project(tmp_path, "app", board, KWS, inputs=tmp_path / "floats.npy")
    assert "static const float sample_input0" in (folder / "app" / "sample_input.h").read_text()
    assert "model_quantize_input(arena, 0u, sample_input0" in (folder / "app" / "main.c").read_text()
    build_project(folder, "make", board.cc)
    check_output(run_app(board, folder, project), cm, {name: convert(floats, t, t)}, board)


def test_app_layout_has_no_rpc_server(tmp_path):
    folder, _, project = make_project(tmp_path, "app", load_board("qemu-mps2-an386"), KWS)
    files = set(project.files)
    assert {"app/main.c", "app/sample_input.h", "Makefile", "model/model.c", "runtime/include/aot_hal.h"} <= files
    assert not any(f.startswith("runtime/src/") for f in files)
    makefile = (folder / "Makefile").read_text()
    assert "app/main.c" in makefile and "aot_rpc_server" not in makefile
    assert project.build == ["make"] and project.library == "build/libmodel.a"


def test_cli_app_with_npz_and_errors(tmp_path):
    cm = compile_file(MODELS / KWS)
    inputs = random_inputs(cm.graph, 5)
    np.savez(tmp_path / "x.npz", **inputs)
    out = tmp_path / "app"
    r = subprocess.run([sys.executable, "-m", "aot", "project", str(MODELS / KWS), "--board", "host", "--template", "app",
                        "--inputs", str(tmp_path / "x.npz"), "-o", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    header = (out / "app" / "sample_input.h").read_text()
    first = ", ".join(str(v) for v in inputs[cm.graph.inputs[0]].ravel()[:16])
    assert first in header
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros(7, np.int8))
    for extra, message in ((["--template", "app", "--inputs", str(wrong)], "input_1"),
                           (["--template", "make", "--inputs", str(tmp_path / "x.npz")], "--template app"),
                           (["--template", "app", "--profile"], "no RPC server"),
                           ([str(MODELS / "hello_world_float32.tflite"), "--template", "app", "--prefix", "a", "b"],
                            "template app serves one model, not 2")):
        r = subprocess.run([sys.executable, "-m", "aot", "project", str(MODELS / KWS), *extra, "--board", "host",
                            "-o", str(tmp_path / "bad")], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_template_app_needs_a_sample(tmp_path):
    compiled = tmp_path / "compiled"
    assert cli.main(["compile", str(MODELS / KWS), "-o", str(compiled), "-q"]) == 0
    with pytest.raises(ProjectError, match="needs a sample"):
        write_project(compiled, load_board("host"), tmp_path / "p", "app")
