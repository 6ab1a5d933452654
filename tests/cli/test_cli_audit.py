"""User mistakes found by running every command with odd arguments: each is one line and exit code 2
(Ctrl-C: one line and 130), never a traceback or an "internal error"."""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from aot import cli
from aot.driver import inspect as inspect_module
from aot.target.stack_usage import StackBound
from tests.cli.test_cli_polish import microaot, one_error_line
from tests.models_list import model_path

HELLO = model_path("hello_world_int8")
INPUT = "serving_default_dense_input:0"


@pytest.mark.parametrize("name", ["empty.tflite", "empty.onnx"])
def test_empty_model_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    # an empty .onnx parsed as an empty ModelProto and was reported as "opset 0 is older than ..."
    one_error_line(microaot("compile", tmp_path / name, "-o", tmp_path / "out"), name, "empty file")


def numpy_files(tmp_path):
    (tmp_path / "empty.npy").write_bytes(b"")
    (tmp_path / "text.npy").write_text("1 2 3\n")
    np.savez(tmp_path / "good.npz", **{INPUT: np.zeros((3, 1), np.float32)})
    (tmp_path / "cut.npz").write_bytes((tmp_path / "good.npz").read_bytes()[:60])
    return {"empty.npy": "an empty file", "text.npy": "not a NumPy .npy/.npz file", "cut.npz": "a damaged .npz"}


def test_unreadable_inputs(tmp_path):
    for name, reason in numpy_files(tmp_path).items():  # the empty one was an internal EOFError
        one_error_line(microaot("run", HELLO, "--inputs", tmp_path / name), name, "cannot read inputs", reason)


def test_unreadable_dataset_and_labels(tmp_path):
    for name, reason in numpy_files(tmp_path).items():
        one_error_line(microaot("validate", HELLO, "--data", tmp_path / name), name, "cannot read the dataset", reason)
    one_error_line(microaot("validate", HELLO, "--data", tmp_path / "good.npz", "--labels", tmp_path / "empty.npy"),
                   "empty.npy", "cannot read the labels", "an empty file")
    one_error_line(microaot("validate", HELLO, "--data", tmp_path / "good.npz", "--labels", tmp_path / "good.npz"),
                   "good.npz", "labels must be one array")


@pytest.mark.parametrize("command", [["run", HELLO], ["tune", HELLO, "--board", "host"]])
def test_negative_seed(command):
    # was an internal ValueError from NumPy's random generator
    one_error_line(microaot(*command, "--seed=-5"), "--seed", "whole number")


@pytest.mark.parametrize("prefix, says", [("my-model", "not a C identifier"), ("1st", "not a C identifier"),
                                          ("", "not a C identifier"), ("aot_model", "runtime's")])
def test_prefix_must_be_a_c_identifier(tmp_path, prefix, says):
    # was silently mangled (my-model -> my_model.h, "" -> t_.h), or overwrote the runtime's aot_model.h
    for command in (["compile", HELLO, "-o", tmp_path / "c"], ["project", HELLO, "--board", "host", "-o", tmp_path / "p"]):
        one_error_line(microaot(*command, "--prefix", prefix), "--prefix", says)
    assert not (tmp_path / "c").exists() and not (tmp_path / "p").exists()


def test_output_file_that_is_a_folder_is_refused_before_the_work(tmp_path):
    (tmp_path / "dir.svg").mkdir()
    # tune measured everything, then failed writing "adir: Is a directory"
    p = microaot("tune", HELLO, "--board", "host", "-o", tmp_path)
    one_error_line(p, str(tmp_path), "a folder")
    assert "configuration" not in p.stderr
    one_error_line(microaot("inspect", HELLO, "--memory", "--board", "host", "--plot", tmp_path / "dir.svg"), "dir.svg", "a folder")
    one_error_line(microaot("tune", HELLO, "--board", "host", "-o", tmp_path / "no" / "t.json"), "no folder")


def test_output_folder_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    one_error_line(microaot("compile", HELLO, "-o", tmp_path / "file"), "file", "a file")  # was "File exists"
    one_error_line(microaot("run", HELLO, "--save-outputs", tmp_path / "file"), "file", "not a folder")


SLEEPS = """
import sys, time
from aot import cli
def slow(args):
    print("ready", file=sys.stderr, flush=True)
    time.sleep(60)
    return 0
cli.cmd_ops = slow
raise SystemExit(cli.main(sys.argv[1:]))
"""


def test_ctrl_c_is_one_line_and_exit_130():
    p = subprocess.Popen([sys.executable, "-c", SLEEPS, "ops"], stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, env=os.environ)
    assert p.stderr.readline() == "ready\n"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 130 and err == "microaot: error: interrupted\n" and out == ""


@pytest.mark.parametrize("argv, words", [
    (["inspect", HELLO, "--board", "host"], ["--board", "--memory", "--layers"]),  # the board was ignored
    (["ops", "--markdown", "--json"], ["--markdown", "--json"]),  # --json won silently
])
def test_flags_that_would_be_ignored(argv, words):
    one_error_line(microaot(*argv), *words)


def test_incomplete_stack_bound_prints_its_notes(monkeypatch, capsys):
    # the text said "see the build notes", which were printed nowhere
    real = inspect_module.build_firmware

    def recursive_build(cm, board):
        fw = real(cm, board)
        fw.build.stack = StackBound(fw.build.stack.bytes, complete=False, notes=["recursion through f"])
        return fw

    monkeypatch.setattr(inspect_module, "build_firmware", recursive_build)
    assert cli.main(["inspect", str(HELLO), "--memory", "--board", "host"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "stack bound" in x)
    assert line.endswith("(not a safe bound: recursion through f)"), line
    assert cli.main(["inspect", str(HELLO), "--memory", "--board", "host", "--json"]) == 0
    memory = json.loads(capsys.readouterr().out)["memory"]
    assert memory["stack_complete"] is False and memory["stack_notes"] == ["recursion through f"]


def test_dataset_without_samples_or_with_nan(tmp_path):
    np.savez(tmp_path / "none.npz", **{INPUT: np.zeros((0, 1), np.float32)})
    # was "every array needs the same number of samples on its first axis (got [0])"
    one_error_line(microaot("validate", HELLO, "--data", tmp_path / "none.npz"), "none.npz", "no samples")
    np.savez(tmp_path / "nan.npz", **{INPUT: np.array([[0.5], [np.nan]], np.float32)})
    # quantising NaN for the int8 input printed NumPy's RuntimeWarning and validated garbage
    p = microaot("validate", HELLO, "--data", tmp_path / "nan.npz")
    one_error_line(p, INPUT, "NaN or infinite")
    assert "RuntimeWarning" not in p.stderr and "building" not in p.stderr
