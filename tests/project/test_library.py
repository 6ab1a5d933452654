"""The model as a library for an existing firmware: `make lib` (build/lib<prefix>.a: the model's C
files only, no RPC server, no main) and the cmake template's `<prefix>_model` STATIC target with
PUBLIC include folders. A small user program links against each and its outputs equal the NumPy
reference (host); for the Cortex-M4 board the archive holds Arm objects and links into a user ELF."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest
from project_helpers import MODELS, clean_env, make_project, need_tools, run_build

from aot.driver.compiler import compile_file
from aot.driver.project import generate_models_project
from aot.driver.reference import random_inputs, run_graph
from aot.target.boards import load_board

KWS = "kws_ref_model_int8.tflite"


def user_main(prefix: str) -> str:
    """An existing firmware's main: its own arena, the input from stdin, the output bytes to stdout."""
    P = prefix.upper()
    return f"""#include <stdio.h>
#include <string.h>
#include "{prefix}.h"

static uint8_t arena[{P}_ARENA_SIZE] __attribute__((aligned(16)));

int main(void)
{{
    if (fread({prefix}_input(arena, 0), 1, {P}_INPUT0_BYTES, stdin) != {P}_INPUT0_BYTES) return 2;
    if ({prefix}_run(arena) != AOT_OK) return 1;
    fwrite({prefix}_output(arena, 0), 1, {P}_OUTPUT0_BYTES, stdout);
    return 0;
}}
"""


def check_program(exe, cm) -> None:
    inputs = random_inputs(cm.graph, 3)
    x = inputs[cm.graph.inputs[0]]
    run = subprocess.run([str(exe)], input=x.tobytes(), capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr
    want = run_graph(cm.graph, inputs)[cm.graph.outputs[0]]
    assert np.array_equal(np.frombuffer(run.stdout, want.dtype).reshape(want.shape), want)


def archive_members(ar: str, lib) -> list[str]:
    return subprocess.run([ar, "t", str(lib)], capture_output=True, text=True, check=True).stdout.split()


@pytest.mark.parametrize("prefix", ["model", "kws"])
def test_make_lib_links_into_a_user_program_on_the_host(tmp_path, prefix):
    board = load_board("host")
    need_tools("make", "gcc")
    folder, cm, project = make_project(tmp_path, "make", board, KWS, prefix=prefix)
    run_build(["make", "lib"], folder, clean_env("make", "gcc", "ar"))
    lib = folder / project.library
    assert project.library == f"build/lib{prefix}.a" and lib.is_file()
    assert archive_members("ar", lib) == [f"{prefix}.o"]        # no RPC server, no main, no HAL
    assert not (folder / "build" / "firmware").exists()          # lib builds the library only
    (tmp_path / "user.c").write_text(user_main(prefix))
    exe = tmp_path / "user"
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", str(tmp_path / "user.c"),
                    f"-I{folder / 'model'}", f"-I{folder / 'runtime/include'}", str(lib), "-lm", "-o", str(exe)],
                   check=True)
    check_program(exe, cm)


@pytest.mark.qemu
def test_make_lib_for_cortex_m4_links_into_a_user_elf(tmp_path):
    board = load_board("qemu-mps2-an386")
    need_tools("make", board.cc, board.binutil("ar"))
    folder, cm, project = make_project(tmp_path, "make", board, KWS)
    run_build(["make", "lib"], folder, clean_env("make", board.cc, board.binutil("ar")))
    lib = folder / project.library
    assert sorted(archive_members(board.binutil("ar"), lib)) == ["aot_dsp.o", "model.o"]   # DSP kernels for the M4
    (tmp_path / "user.c").write_text("#include \"model.h\"\nstatic uint8_t arena[MODEL_ARENA_SIZE] "
                                     "__attribute__((aligned(16)));\nint main(void) { return model_run(arena); }\n")
    elf = tmp_path / "user.elf"
    cpu = [f for f in board.cflags if f.startswith(("-mcpu", "-mfloat-abi", "-mfpu", "-mthumb"))]
    subprocess.run([board.cc, *cpu, "-std=c99", "-O2", "-Wall", "-Werror", "--specs=nosys.specs", str(tmp_path / "user.c"),
                    f"-I{folder / 'model'}", f"-I{folder / 'runtime/include'}", str(lib), "-lm", "-o", str(elf)],
                   check=True)
    symbols = subprocess.run([board.binutil("nm"), str(elf)], capture_output=True, text=True, check=True).stdout
    assert " T model_run" in symbols and "aot_rpc_serve" not in symbols
    header = subprocess.run([board.binutil("readelf"), "-h", str(elf)], capture_output=True, text=True, check=True).stdout
    assert "ARM" in header


def test_cmake_library_target_in_a_user_cmake_project(tmp_path):
    """add_subdirectory(project) in the user's CMake project defines only kws_model; linking it
    brings the model's include folders (PUBLIC)."""
    board = load_board("host")
    need_tools("cmake", "make", "gcc")
    folder, cm, project = make_project(tmp_path, "cmake", board, KWS, prefix="kws")
    assert project.library == "build/libkws_model.a"
    user = tmp_path / "user"
    user.mkdir()
    (user / "main.c").write_text(user_main("kws"))
    (user / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.20)\nproject(user_firmware LANGUAGES C)\n"
        f"add_subdirectory({folder.as_posix()} model_build)\n"
        "add_executable(user main.c)\ntarget_link_libraries(user PRIVATE kws_model m)\n")
    env = clean_env("cmake", "make", "gcc")
    run_build(["cmake", "-B", "build", "-S", "."], user, env)
    run_build(["cmake", "--build", "build"], user, env)
    assert (user / "build" / "model_build" / "libkws_model.a").is_file()
    assert not list((user / "build").rglob("firmware"))   # the project's own firmware is not defined
    check_program(user / "build" / "user", cm)
    # the project on its own still builds the firmware and the library
    run_build(["cmake", "-B", "build", "-S", "."], folder, env)
    run_build(["cmake", "--build", "build"], folder, env)
    assert (folder / project.firmware).is_file() and (folder / project.library).is_file()


def test_make_lib_of_several_models_holds_the_models_not_the_rpc_table(tmp_path):
    board = load_board("host")
    need_tools("make", "gcc")
    models = {"kws": compile_file(MODELS / KWS), "hw": compile_file(MODELS / "hello_world_float32.tflite")}
    project = generate_models_project(models, board, tmp_path / "p", "make")
    run_build(["make", "lib"], project.directory, clean_env("make", "gcc", "ar"))
    assert project.library == "build/libkws_hw.a"
    assert sorted(archive_members("ar", project.directory / project.library)) == ["hw.o", "kws.o"]
