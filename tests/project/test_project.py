"""`microaot project --template make|cmake`: standalone folders that build with plain make or
cmake away from microaot, and whose firmware answers the RPC bit-exactly (host, QEMU)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest
from project_helpers import MODELS, ROOT, check_rpc, clean_env, make_project, need_tools, run_build

from aot import cli
from aot.driver.compiler import compile_file
from aot.driver.inputs import load_inputs
from aot.driver.project import generate_project
from aot.target.boards import load_board
from aot.target.build import build, section_sizes
from aot.target.host import HostSession
from aot.target.project import ProjectError, write_project
from aot.target.qemu import QemuSession

KWS = "kws_ref_model_int8.tflite"
HELLO = "hello_world_int8.tflite"


def build_project(folder, template: str, cc: str):
    if template == "make":
        need_tools("make", cc)
        env = clean_env("make", cc)
        run_build(["make", "-j4"], folder, env)
    else:
        need_tools("cmake", "make", cc)
        env = clean_env("cmake", "make", cc)
        run_build(["cmake", "-B", "build", "-S", "."], folder, env)
        run_build(["cmake", "--build", "build", "-j4"], folder, env)


@pytest.mark.parametrize("template,model", [("make", HELLO), ("make", KWS), ("cmake", KWS)])
def test_host_project_builds_and_answers_the_rpc(tmp_path, template, model):
    board = load_board("host")
    folder, cm, project = make_project(tmp_path, template, board, model)
    build_project(folder, template, board.cc)
    exe = folder / project.firmware
    assert exe.is_file()
    with HostSession(exe) as session:
        check_rpc(session.url, session.alive, cm, "host")


@pytest.mark.qemu
@pytest.mark.parametrize("template,board_name", [
    ("make", "qemu-mps2-an386"), ("cmake", "qemu-mps2-an386"), ("make", "qemu-mps2-an385"),
])
def test_qemu_project_builds_and_answers_the_rpc(tmp_path, template, board_name):
    board = load_board(board_name)
    need_tools(board.qemu[0])
    folder, cm, project = make_project(tmp_path, template, board, KWS)
    build_project(folder, template, board.cc)
    elf = folder / project.firmware
    assert project.firmware == "build/firmware.elf" and elf.is_file()
    with QemuSession(board, elf) as session:
        info = check_rpc(session.url, session.alive, cm, board_name)
        assert info["counter_unit"] == "instructions"
        session.check()   # still running: the firmware serves forever


@pytest.mark.qemu
def test_project_firmware_is_the_one_microaot_run_builds(tmp_path):
    """Same sources, flags (less the stack-usage analysis flags) and link order: the same image."""
    board = load_board("qemu-mps2-an386")
    folder, cm, project = make_project(tmp_path, "make", board, KWS)
    build_project(folder, "make", board.cc)
    ours = build(board, folder / "model", tmp_path / "microaot-build")
    theirs = folder / project.firmware
    assert section_sizes(board, theirs) == section_sizes(board, ours.executable)
    images = []
    for elf in (theirs, ours.executable):
        subprocess.run([board.binutil("objcopy"), "-O", "binary", str(elf), str(elf.with_suffix(".bin"))], check=True)
        images.append(elf.with_suffix(".bin").read_bytes())
    assert images[0] == images[1]


def test_real_board_projects_make_and_cmake_give_the_same_images(tmp_path):
    board = load_board("nucleo-f746zg")
    bins = {}
    for template in ("make", "cmake"):
        folder, _, project = make_project(tmp_path / template, template, board, KWS)
        build_project(folder, template, board.cc)
        assert sorted(project.images) == ["build/firmware.bin", "build/firmware.hex"]
        for image in project.images:
            assert (folder / image).stat().st_size > 0
        bins[template] = (folder / "build" / "firmware.bin").read_bytes()
        readme = (folder / "README.md").read_text()
        assert "--port /dev/ttyACM0" in readme and "st-flash" in readme
    assert bins["make"] == bins["cmake"]


def test_layout_and_project_json(tmp_path):
    board = load_board("qemu-mps2-an386")
    folder, cm, project = make_project(tmp_path, "make", board, KWS)
    meta = json.loads((folder / "project.json").read_text())
    assert meta["template"] == "make" and meta["board"] == "qemu-mps2-an386"
    assert meta["firmware"] == "build/firmware.elf" and meta["build"] == ["make"]
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert set(meta["files"]) == files
    for f in ("Makefile", "README.md", "model/model.c", "model/model.h", "model/metadata.json",
              "runtime/include/aot_hal.h", "runtime/include/aot_rpc.h", "runtime/src/main.c",
              "runtime/src/aot_rpc_server.c", "boards/qemu-mps2-an386/linker.ld",
              "boards/common/cortexm/sections.ld", "boards/common/cortexm/startup_cortexm.c",
              "boards/common/cmsdk/hal_cmsdk.c"):
        assert f in files, f
    assert "runtime/src/aot_profile.c" not in files   # only with --profile
    makefile = (folder / "Makefile").read_text()
    # every source the Makefile names is in the project
    block = re.search(r"^SOURCES = \\\n((?:\t.*\\\n)+)", makefile, re.M).group(1)
    sources = [line.strip(" \t\\") for line in block.splitlines()]
    assert sources and all((folder / s).is_file() for s in sources)
    assert "'-DAOT_BOARD_NAME=\"qemu-mps2-an386\"'" in makefile
    assert "-Tboards/qemu-mps2-an386/linker.ld" in makefile


def test_profile_project_serves_the_per_operator_profile(tmp_path):
    board = load_board("host")
    folder, cm, project = make_project(tmp_path, "make", board, KWS, profile=True)
    assert (folder / "runtime/src/aot_profile.c").is_file()
    build_project(folder, "make", board.cc)
    with HostSession(folder / project.firmware) as session:
        client = session.client(20)
        try:
            client.wait_ready(10)
            assert client.info()["profiling"]
            inputs = load_inputs(cm.graph, None, 1)
            client.invoke([inputs[n] for n in cm.graph.inputs])
            profile = client.profile()
        finally:
            client.close()
    assert len(profile) == len(cm.graph.ops)


def test_refuses_a_folder_in_use_and_regenerates_its_own(tmp_path):
    board = load_board("host")
    cm = compile_file(MODELS / HELLO)
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    with pytest.raises(ProjectError, match="not empty"):
        generate_project(cm, board, used, "make")
    out = tmp_path / "p"
    generate_project(cm, board, out, "make")
    (out / "Makefile").write_text("edited")
    generate_project(cm, board, out, "cmake")          # regenerate with another template
    assert not (out / "Makefile").exists() and (out / "CMakeLists.txt").is_file()


def test_errors(tmp_path):
    cm = compile_file(MODELS / HELLO)
    with pytest.raises(ProjectError, match="zephyr_board"):
        generate_project(cm, load_board("host"), tmp_path / "z", "zephyr")
    with pytest.raises(ProjectError, match="needs --board"):
        generate_project(cm, None, tmp_path / "m", "make")
    with pytest.raises(ProjectError, match="unknown template"):
        generate_project(cm, load_board("host"), tmp_path / "x", "scons")
    outside = replace(load_board("host"), sources=(MODELS / "README.md",))
    with pytest.raises(ProjectError, match="outside the boards folder"):
        generate_project(cm, outside, tmp_path / "o", "make")


def test_cli_project_json(tmp_path):
    out = tmp_path / "proj"
    r = subprocess.run([sys.executable, "-m", "aot", "project", str(MODELS / HELLO), "--board", "qemu-mps2-an385",
                        "--template", "cmake", "-o", str(out), "--json"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["template"] == "cmake" and result["board"] == "qemu-mps2-an385"
    assert result["build"][:1] == ["cmake"] and (out / "CMakeLists.txt").is_file()
    bad = subprocess.run([sys.executable, "-m", "aot", "project", str(MODELS / HELLO), "--board", "host",
                          "--template", "zephyr", "-o", str(tmp_path / "z")], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "zephyr_board" in bad.stderr


def test_write_project_around_a_compiled_folder(tmp_path):
    """aot.target.project takes a folder `microaot compile` wrote: no compiler object needed."""
    compiled = tmp_path / "compiled"
    assert cli.main(["compile", str(MODELS / HELLO), "-o", str(compiled), "-q"]) == 0
    project = write_project(compiled, load_board("host"), tmp_path / "p", "make")
    assert (tmp_path / "p" / "model" / "model.c").read_bytes() == (compiled / "model.c").read_bytes()
    assert "model/metadata.json" in project.files and "Makefile" in project.files
    with pytest.raises(ProjectError, match="not a compiled model folder"):
        write_project(tmp_path / "p" / "boards", load_board("host"), tmp_path / "q", "make")
    with pytest.raises(ProjectError, match="overlap"):
        write_project(compiled, load_board("host"), compiled / "p", "make")
