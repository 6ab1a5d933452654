"""-q, -v and --json before or after the command; -q leaves stderr empty on every command's success."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from aot import cli
from tests.models_list import model_path

HELLO = model_path("hello_world_int8")  # one input, three fully connected ops: every command is quick on the host


def microaot(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "aot", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=os.environ)


def commands(tmp_path):
    """(argv, progress): every command on success; progress = what it prints on stderr without -q."""
    data = tmp_path / "data.npz"
    np.savez(data, **{"serving_default_dense_input:0": np.linspace(0, 6, 7, dtype=np.float32).reshape(7, 1)})
    return [
        (["compile", HELLO, "-o", tmp_path / "c"], None),
        (["run", HELLO], "building"),
        (["profile", HELLO], "building"),
        (["validate", HELLO, "--data", data], "sample 7/7"),
        (["project", HELLO, "--board", "host", "-o", tmp_path / "p"], None),
        (["tune", HELLO, "--board", "host", "-o", tmp_path / "t.json"], "best:"),
        (["inspect", HELLO], None),
        (["inspect", HELLO, "--memory", "--board", "host", "--plot", tmp_path / "a.svg"], None),
        (["inspect", HELLO, "--layers", "--board", "host"], "profiling"),
        (["ops"], None),
        (["boards"], None),
    ]


def test_quiet_leaves_stderr_empty_on_every_command(tmp_path):
    for argv, progress in commands(tmp_path):
        loud = microaot(*argv)
        assert loud.returncode == 0, (argv, loud.stderr)
        if progress:  # what -q must remove is there without it
            assert progress in loud.stderr, (argv, loud.stderr)
        for quiet in ([*argv, "-q"], ["--quiet" if argv[0] == "ops" else "-q", *argv]):
            p = microaot(*quiet)
            assert p.returncode == 0 and p.stderr == "", (quiet, p.stderr)
            assert p.stdout.strip(), quiet  # the result itself is still printed


@pytest.mark.qemu
def test_quiet_on_qemu():
    for argv in (["-q", "run", HELLO, "--board", "qemu-mps2-an386"], ["profile", HELLO, "--board", "qemu-mps2-an386", "-q"]):
        p = microaot(*argv)
        assert p.returncode == 0 and p.stderr == "" and p.stdout.strip(), (argv, p.stderr)


WARNS = """
import sys, warnings
from aot import cli
def warns(args):
    warnings.warn_explicit("a library's note", UserWarning, "lib.py", 1, module="lib")
    warnings.warn_explicit("a library's deprecation", DeprecationWarning, "lib.py", 2, module="lib")  # hidden unless -v
    print("result")
    return 0
cli.cmd_ops = warns
raise SystemExit(cli.main(sys.argv[1:]))
"""


def test_quiet_silences_python_warnings():
    # a library's warning (numpy, onnx) is not an error: -q hides it, the default and -v show it
    def ops(*argv):
        return subprocess.run([sys.executable, "-c", WARNS, *argv], capture_output=True, text=True, env=os.environ)

    p = ops("ops")
    assert p.returncode == 0 and "a library's note" in p.stderr and "deprecation" not in p.stderr, p.stderr
    p = ops("ops", "-v")
    assert p.returncode == 0 and "a library's note" in p.stderr and "a library's deprecation" in p.stderr, p.stderr
    for argv in (["ops", "-q"], ["-q", "ops"], ["ops", "--json"]):
        p = ops(*argv)
        assert p.returncode == 0 and p.stderr == "" and p.stdout == "result\n", (argv, p.stderr)


def test_json_before_and_after_the_command_is_the_same():
    before, after = microaot("--json", "inspect", HELLO), microaot("inspect", HELLO, "--json")
    assert before.returncode == after.returncode == 0
    assert json.loads(before.stdout) == json.loads(after.stdout)
    assert before.stderr == after.stderr == ""


def test_a_flag_after_the_command_does_not_undo_one_before(capsys):
    # `microaot -q run M --json`: both apply (the sub-command's unset flags do not reset the global ones)
    args = cli.build_parser().parse_args(["-q", "boards", "--json"])
    assert args.quiet and args.json and not args.verbose
    args = cli.build_parser().parse_args(["-v", "boards"])
    assert args.verbose and not args.quiet and not args.json


def test_quiet_and_verbose_together_is_one_error():
    p = microaot("-q", "ops", "-v")
    assert p.returncode == 2 and p.stderr.count("error:") == 1 and "-q" in p.stderr and "-v" in p.stderr


def test_json_for_a_command_without_json_output(monkeypatch, capsys):
    # every command has --json today; one added without it refuses a global --json in one line
    parser = cli.build_parser()
    bare = parser.commands["boards"]
    bare._option_string_actions.pop("--json")
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    with pytest.raises(SystemExit) as e:
        cli.main(["--json", "boards"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "`boards` has no JSON output" in err and "Traceback" not in err


def test_verbose_shows_an_internal_errors_traceback(monkeypatch, capsys):
    def bug(args):
        raise ZeroDivisionError("ours")

    monkeypatch.setattr(cli, "cmd_ops", bug)
    monkeypatch.delenv("MICROAOT_DEBUG", raising=False)
    assert cli.main(["ops"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error: ZeroDivisionError: ours" in err
    assert cli.main(["ops", "-v"]) == 3
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [["--memory"], ["--plot", "a.svg"], ["--memory", "--plot", "a.svg"]])
def test_layers_with_memory_or_plot_is_one_error(tmp_path, extra):
    # --layers used to ignore them silently
    p = microaot("inspect", HELLO, "--layers", *extra, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.count("error:") == 1 and "--layers" in p.stderr, p.stderr
    assert "--memory" in p.stderr and not (tmp_path / "a.svg").exists()


@pytest.mark.parametrize("argv", [["--json", "compile"], ["compil", "x", "--json"], ["inspect", HELLO, "--plot", "a.svg", "--json"]])
def test_usage_errors_with_json_are_json_too(argv):
    # as every other error with --json: {"error": ...} on stdout (argparse's own exit printed nothing there)
    p = microaot(*argv)
    assert p.returncode == 2 and p.stderr.count("error:") == 1
    message = json.loads(p.stdout)["error"]
    assert message and message in p.stderr
