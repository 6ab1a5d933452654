"""`microaot build` and `microaot flash`: the project generated into a folder (given, or the
cache), built with its own build command, then the board's flash_command (or `west flash` for a
Zephyr build). Flashing is tested with --dry-run (no board here) and through its error paths."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest
from project_helpers import MODELS, ROOT

from aot.driver.compiler import compile_file
from aot.driver.deploy import prepare
from aot.target import deploy
from aot.target.boards import load_board
from aot.target.deploy import DeployError
from aot.target.project import ProjectError

KWS = str(MODELS / "kws_ref_model_int8.tflite")


def microaot(*args: str, env_remove=(), **env_add):
    env = {k: v for k, v in os.environ.items() if k not in env_remove}
    env.update(env_add)
    return subprocess.run([sys.executable, "-m", "aot", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=600)


def one_error_line(r, *needles: str) -> None:
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("microaot: error: ") and "Traceback" not in r.stderr, r.stderr
    for needle in needles:
        assert needle in lines[-1], lines[-1]


def test_flash_dry_run_prints_the_board_command_on_the_built_bin(tmp_path):
    out = tmp_path / "f746"
    r = microaot("flash", KWS, "--board", "nucleo-f746zg", "--dry-run", "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    command = shlex.split(lines[0])
    binary = out.resolve() / "build" / "firmware.bin"
    assert command == ["st-flash", "--reset", "write", str(binary), "0x08000000"]   # boards/nucleo-f746zg/board.toml
    assert binary.stat().st_size > 1000
    elf = out / "build" / "firmware.elf"
    assert subprocess.run(["arm-none-eabi-readelf", "-h", str(elf)], capture_output=True, text=True).stdout.count("ARM")
    # again: the same project, nothing rebuilt (make finds every object up to date)
    before = binary.stat().st_mtime_ns, elf.stat().st_mtime_ns
    r = microaot("flash", KWS, "--board", "nucleo-f746zg", "--dry-run", "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["flash_command"] == command and result["dry_run"] is True
    assert result["template"] == "make" and result["board"] == "nucleo-f746zg"
    assert result["images"] == [str(binary), str(binary.with_suffix(".hex"))]
    assert (binary.stat().st_mtime_ns, elf.stat().st_mtime_ns) == before


def test_flash_dry_run_in_the_cache(tmp_path):
    r = microaot("flash", KWS, "--board", "nucleo-f746zg", "--dry-run", "--json", MICROAOT_CACHE=str(tmp_path))
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["directory"].startswith(str(tmp_path))
    assert os.path.isfile(result["flash_command"][3])


def test_flash_refuses_boards_without_a_flasher(tmp_path):
    one_error_line(microaot("flash", KWS, "--board", "qemu-mps2-an386", "--dry-run"),
                   f"qemu-mps2-an386 runs under QEMU: use microaot run {KWS} --board qemu-mps2-an386")
    one_error_line(microaot("flash", KWS, "--board", "host"), "host runs on this machine")
    cm = compile_file(KWS)
    board = load_board("nucleo-f746zg")
    project = prepare({"model": cm}, board, "make", tmp_path / "p")
    with pytest.raises(DeployError, match="nucleo-f746zg has no flash_command"):
        deploy.flash_command(project, replace(board, extra={}))


def test_missing_flash_tool_is_one_line_naming_it_and_its_install(tmp_path):
    if shutil.which("st-flash"):
        pytest.skip("st-flash is installed here: running flash would write to a board")
    r = microaot("flash", KWS, "--board", "nucleo-f746zg", "-o", str(tmp_path / "p"))
    one_error_line(r, "st-flash is not installed", "apt-get install stlink-tools")
    assert not (tmp_path / "p" / "build").exists()   # checked before building
    board = load_board("nucleo-f746zg")
    pyocd = replace(board, extra={"flash_command": ["no-such-flasher-xyz", "flash", "{hex}"]})
    project = prepare({"model": compile_file(KWS, board=board)}, board, "make", tmp_path / "q")
    command = deploy.flash_command(project, pyocd)
    assert command == ["no-such-flasher-xyz", "flash", str(project.directory / "build" / "firmware.hex")]
    with pytest.raises(DeployError, match="no-such-flasher-xyz is not installed"):
        deploy.flash(command, project)


def test_zephyr_flash_is_west_flash_and_needs_zephyr(tmp_path):
    board = load_board("nucleo-f746zg")
    project = prepare({"model": compile_file(KWS, board=board)}, board, "zephyr", tmp_path / "z")
    assert deploy.flash_command(project, board) == ["west", "flash", "-d", str(tmp_path / "z" / "build")]
    assert deploy.build_commands(project) == [["west", "build", "-b", "nucleo_f746zg", "."]]
    r = microaot("flash", KWS, "--board", "nucleo-f746zg", "--template", "zephyr", "--dry-run",
                 "-o", str(tmp_path / "z2"), env_remove=("ZEPHYR_BASE",))
    one_error_line(r, "ZEPHYR_BASE is not set", "west build -b nucleo_f746zg")


def test_build_template_zephyr_drives_west_build(tmp_path):
    out = tmp_path / "zb"
    r = microaot("build", KWS, "--board", "qemu-mps2-an386", "--template", "zephyr", "-o", str(out), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert shlex.split(r.stdout.strip()) == ["cd", str(out.resolve()), "&&", "west", "build", "-b", "mps2/an386", "."]
    assert (out / "zephyr" / "module.yml").is_file() and (out / "CMakeLists.txt").is_file()
    r = microaot("build", KWS, "--board", "qemu-mps2-an386", "--template", "zephyr", "-o", str(out),
                 env_remove=("ZEPHYR_BASE",))
    one_error_line(r, "ZEPHYR_BASE is not set")
    r = microaot("build", KWS, "--zephyr-board", "nucleo_l4r5zi", "--template", "zephyr", "-o", str(tmp_path / "l4"),
                 "--dry-run", "--json")
    result = json.loads(r.stdout)
    assert result["build_command"] == [["west", "build", "-b", "nucleo_l4r5zi", "."]] and result["board"] is None
    if not os.environ.get("ZEPHYR_BASE"):   # with Zephyr installed, the same command really builds
        return
    r = microaot("build", KWS, "--board", "qemu-mps2-an386", "--template", "zephyr", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "build" / "zephyr" / "zephyr.elf").is_file()


@pytest.mark.parametrize("template", ["make", "cmake", "app"])
def test_build_host_project(tmp_path, template):
    out = tmp_path / template
    r = microaot("build", KWS, "--board", "host", "--template", template, "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["dry_run"] is False and result["firmware"] == str(out.resolve() / "build" / "firmware")
    assert os.access(result["firmware"], os.X_OK)
    if template == "app":
        run = subprocess.run([result["firmware"]], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0 and "top class " in run.stdout


def test_build_refuses_a_folder_in_use(tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    one_error_line(microaot("build", KWS, "--board", "host", "-o", str(used)), "not empty")
    with pytest.raises(ProjectError, match="not empty"):
        prepare({"model": compile_file(KWS)}, load_board("host"), "make", used)
    assert (used / "notes.txt").read_text() == "mine"
