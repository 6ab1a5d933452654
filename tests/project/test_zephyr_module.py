"""The Zephyr project is also a Zephyr module (zephyr/module.yml, zephyr/CMakeLists.txt,
zephyr/Kconfig) that an existing west workspace adds with ZEPHYR_EXTRA_MODULES or west.yml.

Without Zephyr: module.yml parses and names files that exist; the Kconfig option the module's
CMakeLists tests is the one its Kconfig defines; the sources and include folders it gives Zephyr
resolve in the project, and compiled as listed with a user's main they run the model bit-exactly.
With ZEPHYR_BASE set, a user application outside the project is built with west and the module."""
from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml
from project_helpers import make_project, need_tools
from test_library import check_program, user_main

from aot.target.boards import load_board
from aot.target.build import WARNING_CFLAGS

KWS = "kws_ref_model_int8.tflite"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("zmod"), "zephyr", load_board("qemu-mps2-an386"), KWS)


def module_cmake(folder) -> tuple[str, list, list]:
    """The module's Kconfig guard, its sources and include folders, with the variables resolved
    as Zephyr resolves them (CMAKE_CURRENT_LIST_DIR = the module's zephyr/ folder)."""
    text = (folder / "zephyr" / "CMakeLists.txt").read_text()
    guard = re.search(r"^if\((CONFIG_\w+)\)", text, re.M)[1]
    module_dir = re.search(r"set\(AOT_MODULE_DIR (\S+)\)", text)[1].replace("${CMAKE_CURRENT_LIST_DIR}", str(folder / "zephyr"))

    def resolve(word: str) -> str:
        return os.path.normpath(word.replace("${AOT_MODULE_DIR}", module_dir))

    globs = re.findall(r"file\(GLOB (\w+) (\S+)\)", text)
    sources = []
    for var, pattern in globs:
        assert f"zephyr_library_sources(${{{var}}})" in text
        path = resolve(pattern)
        sources += sorted(str(p) for p in (folder / os.path.dirname(path)).glob(os.path.basename(path)))
    includes = [resolve(w) for w in re.search(r"zephyr_include_directories\(([^)]*)\)", text)[1].split()]
    return guard, sources, includes


def test_module_yml_parses_and_names_existing_files(project):
    folder, _, _ = project
    meta = yaml.safe_load((folder / "zephyr" / "module.yml").read_text())
    assert meta["name"] == "microaot_model"
    assert (folder / meta["build"]["cmake"] / "CMakeLists.txt").is_file()
    assert (folder / meta["build"]["kconfig"]).is_file()
    assert {"zephyr/module.yml", "zephyr/CMakeLists.txt", "zephyr/Kconfig"} <= set(project[2].files)


def test_kconfig_option_guards_the_module_build(project):
    folder, _, _ = project
    guard, _, _ = module_cmake(folder)
    kconfig = (folder / "zephyr" / "Kconfig").read_text()
    assert re.search(rf"^config {guard.removeprefix('CONFIG_')}\n\tbool ", kconfig, re.M)
    assert guard in (folder / "zephyr" / "module.yml").read_text()   # the comment says what to set


def test_module_sources_and_includes_build_a_user_program(project, tmp_path):
    folder, cm, _ = project
    need_tools("gcc")
    _, sources, includes = module_cmake(folder)
    assert sorted(os.path.basename(s) for s in sources) == sorted(p.name for p in (folder / "model").glob("*.c"))
    assert all(os.path.isdir(d) for d in includes)
    assert not any("runtime/src" in s or "hal_zephyr" in s for s in sources)   # the model only: no RPC server
    (tmp_path / "main.c").write_text(user_main("model"))
    exe = tmp_path / "user"
    subprocess.run(["gcc", "-std=c99", "-O2", *WARNING_CFLAGS, str(tmp_path / "main.c"), *sources,
                    *(f"-I{d}" for d in includes), "-lm", "-o", str(exe)], check=True)
    check_program(exe, cm)


def test_west_build_of_a_user_app_with_the_module(project, tmp_path):
    if not os.environ.get("ZEPHYR_BASE"):
        pytest.skip("ZEPHYR_BASE not set: Zephyr is not installed here")
    need_tools("west")
    folder, _, _ = project
    app = tmp_path / "user_app"
    (app / "src").mkdir(parents=True)
    (app / "CMakeLists.txt").write_text("cmake_minimum_required(VERSION 3.20.0)\nfind_package(Zephyr REQUIRED HINTS "
                                        "$ENV{ZEPHYR_BASE})\nproject(user_app)\ntarget_sources(app PRIVATE src/main.c)\n")
    (app / "prj.conf").write_text("CONFIG_MICROAOT_MODEL=y\n")
    (app / "src" / "main.c").write_text('#include "model.h"\nstatic uint8_t arena[MODEL_ARENA_SIZE] __attribute__((aligned(16)));\n'
                                        "int main(void) { return model_run(arena); }\n")
    r = subprocess.run(["west", "build", "-b", "mps2/an386", str(app), "-d", str(tmp_path / "build"), "--",
                        f"-DZEPHYR_EXTRA_MODULES={folder}"], capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    need_tools("arm-none-eabi-nm")
    symbols = subprocess.run(["arm-none-eabi-nm", str(tmp_path / "build/zephyr/zephyr.elf")],
                             capture_output=True, text=True, check=True).stdout
    assert " T model_run" in symbols and "aot_rpc_serve" not in symbols
