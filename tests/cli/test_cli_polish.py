"""CLI polish (issue 13 item 7): one clear line for the usual mistakes, "did you mean", -q, boards, profile --json."""
import json
import os
import subprocess
import sys

import pytest

from aot import cli
from aot.target.boards import list_boards, load_board
from tests.models_list import model_path

HELLO = model_path("hello_world_int8")


def microaot(*args, env=None):
    return subprocess.run([sys.executable, "-m", "aot", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def one_error_line(p, *words):
    """Exit code 2, no traceback, one `microaot...: error:` line naming every word."""
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr
    errors = [line for line in p.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, p.stderr
    for w in words:
        assert w in errors[0], errors[0]
    return errors[0]


def test_directory_as_model(tmp_path):
    one_error_line(microaot("compile", tmp_path, "-o", tmp_path / "out"), str(tmp_path), "a directory")


@pytest.mark.parametrize("name", ["frozen.pb", "model.h5", "model.keras"])
def test_tensorflow_files(tmp_path, name):
    (tmp_path / name).write_bytes(b"\x00" * 16)
    line = one_error_line(microaot("inspect", tmp_path / name), name, "TensorFlow/Keras", ".tflite", "TFLite converter")
    assert "unknown model format" not in line


def test_saved_model_directory(tmp_path):
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / "saved_model.pb").write_bytes(b"\x00")
    one_error_line(microaot("compile", tmp_path / "saved", "-o", tmp_path / "out"), "SavedModel", "TFLite converter")


def test_unwritable_output(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    one_error_line(microaot("compile", HELLO, "-o", tmp_path / "file" / "out"), str(tmp_path / "file"))


def test_broken_pipe_is_quiet():
    # `microaot ops | head -1`: a reader that closes the pipe at once
    p = subprocess.Popen([sys.executable, "-m", "aot", "ops"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait() == 0 and err == ""


def test_broken_pipe_elsewhere_is_an_error(monkeypatch, capsys):
    # a BrokenPipeError that is not stdout's (a socket to a board) must not pass for a quiet exit
    def lost_socket(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli, "cmd_ops", lost_socket)
    assert cli.main(["ops"]) == 2
    assert "error: Broken pipe" in capsys.readouterr().err


def test_missing_toolchain_says_how_to_install(tmp_path):
    # a PATH without the ARM compiler (python is called by its full path)
    p = microaot("run", HELLO, "--board", "qemu-mps2-an386", "--build-dir", tmp_path, env={"PATH": str(tmp_path)})
    one_error_line(p, "arm-none-eabi-gcc", "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi")


@pytest.mark.parametrize("argv, hint", [
    (["compil", "x"], "did you mean 'compile'?"),
    (["inspct", "x"], "did you mean 'inspect'?"),
    (["compile", "x", "--outptu", "o"], "--outptu -> --output"),
    (["run", "x", "--prority", "speed"], "--prority -> --priority"),
    (["run", "x", "--jsno", "--seed", "-1"], "--jsno -> --json"),
    (["run", "x", "--priority", "sped"], "did you mean 'speed'?"),
    (["--markdown", "ops"], "did you mean: ops --markdown?"),
    (["--layers", "inspect", "x"], "did you mean: inspect --layers?"),
    (["ops", "--markdwon"], "--markdwon -> --markdown"),
])
def test_did_you_mean(argv, hint):
    one_error_line(microaot(*argv), hint)


def test_no_suggestion_for_nonsense():
    line = one_error_line(microaot("zzzzqqq"))
    assert "did you mean" not in line


def test_plot_needs_memory(tmp_path):
    one_error_line(microaot("inspect", HELLO, "--plot", tmp_path / "a.svg"), "--plot", "--memory")
    assert not (tmp_path / "a.svg").exists()


def test_quiet_run_prints_nothing_on_stderr():
    loud, quiet = microaot("run", HELLO), microaot("run", HELLO, "-q")
    assert loud.returncode == quiet.returncode == 0
    assert "building" in loud.stderr  # the progress line -q removes
    assert quiet.stderr == ""


def test_quiet_still_prints_errors(tmp_path):
    one_error_line(microaot("compile", tmp_path, "-o", tmp_path / "o", "-q"), "a directory")


def test_boards_json_matches_board_files():
    p = microaot("boards", "--json")
    assert p.returncode == 0, p.stderr
    boards = json.loads(p.stdout)
    assert [b["name"] for b in boards] == list_boards()
    by_name = {b["name"]: b for b in boards}
    an547 = by_name["qemu-mps3-an547"]
    assert an547["cpu"] == "cortex-m55" and "mve" in an547["features"] and an547["qemu"] is True
    assert an547["toolchain"] == "arm-none-eabi-gcc"
    for b in boards:
        board = load_board(b["name"])
        assert (b["flash_bytes"], b["ram_bytes"], b["run"]) == (board.flash_bytes, board.ram_bytes, board.run)
    assert by_name["host"]["qemu"] is False and by_name["host"]["flash_bytes"] is None


def test_boards_table():
    p = microaot("boards")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split()[:5] == ["board", "cpu", "flash", "RAM", "features"]
    an386 = next(line for line in lines if line.startswith("qemu-mps2-an386 "))
    assert "cortex-m4" in an386 and "4,096 KiB" in an386 and "dsp" in an386 and "QEMU" in an386


def test_profile_json_is_one_object():
    p = microaot("profile", HELLO, "--json")
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["board"] == "host" and j["counter_unit"] == "ns" and j["match"] is True
    assert [e["op"] for e in j["ops"]] == ["fully_connected"] * 3
    assert j["total_ops"] == sum(e["ns"] for e in j["ops"]) <= j["per_inference"]
    assert j["macs"] == sum(e["macs"] for e in j["ops"]) == 16 + 256 + 16
