"""`microaot project --template zephyr`: the Zephyr app (zephyr_app/) checked without Zephyr.

Zephyr is not installed here: the app is checked structurally (files, CMakeLists, prj.conf,
overlays), its C compiled and run on the host against a small stub of the Zephyr APIs it uses
(tests/project/zephyr_stub: the same hal_zephyr.c, runtime and model, answering the RPC over a
pty), and built with west only when ZEPHYR_BASE is set."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

import pytest
from project_helpers import STUB, check_rpc, clean_env, make_project, need_tools, run_build

from aot.core.resources import data_dir
from aot.rpc.errors import RpcRemoteError
from aot.rpc.protocol import Cmd, Status, encode_frame
from aot.target import runtime
from aot.target.boards import list_boards, load_board
from aot.target.build import WARNING_CFLAGS
from aot.target.host import HostSession
from aot.target.project import zephyr_board_file
from aot.target.qemu import QemuSession

KWS = "kws_ref_model_int8.tflite"
APP = data_dir("zephyr_app")
# Zephyr board -> (the RPC UART's node label, has an FPU)
ZEPHYR_BOARDS = {
    "qemu_cortex_m3": ("uart0", False),
    "mps2/an385": ("uart0", False),
    "mps2/an386": ("uart0", True),
    "mps2/an500": ("uart0", True),
    "mps3/corstone300/an547": ("uart0", True),
    "mps3/an547": ("uart0", True),             # the same board before Zephyr 4.0
    "nucleo_f746zg": ("usart3", True),
    "nucleo_l4r5zi": ("lpuart1", True),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("zephyr")
    return make_project(tmp, "zephyr", load_board("qemu-mps2-an386"), KWS)


def cmake_sources(folder) -> list[str]:
    """Every path the CMakeLists gives to target_sources(app ...), variables resolved the way
    they resolve in a generated project."""
    text = (folder / "CMakeLists.txt").read_text()
    paths = []
    for block in re.findall(r"target_sources\(app PRIVATE(.*?)\)", text, re.S):
        paths += block.split()
    resolved = []
    for p in paths:
        if p == "${AOT_MODEL_SOURCES}":
            resolved += [f"model/{m.name}" for m in sorted((folder / "model").glob("*.c"))]
        else:
            resolved.append(p.replace("${AOT_RUNTIME_DIR}", "runtime"))
    return resolved


def test_files_present(project):
    folder, _, meta = project
    for f in ("CMakeLists.txt", "prj.conf", "microaot.cmake", "README.md", "src/hal_zephyr.c",
              "runtime/src/main.c", "runtime/include/aot_hal.h", "model/model.c", "model/model.h"):
        assert (folder / f).is_file(), f
    assert meta.zephyr_board == "mps2/an386"
    assert meta.build == ["west", "build", "-b", "mps2/an386", "."]
    assert meta.firmware == "build/zephyr/zephyr.elf"


def test_cmakelists_is_a_zephyr_app(project):
    folder, _, _ = project
    text = (folder / "CMakeLists.txt").read_text()
    assert re.search(r"^find_package\(Zephyr REQUIRED HINTS \$ENV\{ZEPHYR_BASE\}\)", text, re.M)
    assert text.index("include(${CMAKE_CURRENT_LIST_DIR}/microaot.cmake") < text.index("find_package(Zephyr")
    assert re.search(r"^project\(", text, re.M)
    assert "target_include_directories(app PRIVATE ${AOT_RUNTIME_DIR}/include ${AOT_MODEL_DIR})" in text
    cm = (folder / "microaot.cmake").read_text()
    assert 'set(AOT_ZEPHYR_BOARD "mps2/an386")' in cm and 'set(AOT_BOARD_NAME "qemu-mps2-an386")' in cm


def test_sources_resolve_and_match_the_runtime(project):
    folder, _, _ = project
    sources = cmake_sources(folder)
    assert "src/hal_zephyr.c" in sources and "model/model.c" in sources
    missing = [s for s in sources if not (folder / s).is_file()]
    assert not missing
    # the runtime part is the bare-metal runtime: with the profiler (AOT_PROFILE) all of it
    listed = {s.split("/")[-1] for s in sources if s.startswith("runtime/src/")}
    assert listed == {p.name for p in runtime.runtime_sources(True)}


def test_prj_conf(project):
    folder, _, _ = project
    conf = dict(line.split("=", 1) for line in (folder / "prj.conf").read_text().splitlines()
                if line.startswith("CONFIG_"))
    assert conf["CONFIG_SERIAL"] == "y"
    for off in ("CONFIG_UART_CONSOLE", "CONFIG_CONSOLE", "CONFIG_PRINTK", "CONFIG_BOOT_BANNER", "CONFIG_LOG"):
        assert conf[off] == "n", off          # nothing but RPC frames on the line
    assert int(conf["CONFIG_MAIN_STACK_SIZE"]) >= 2048
    assert "CONFIG_FPU" not in conf           # per board: an FPU-less core would reject it


@pytest.mark.parametrize("zephyr_board", sorted(ZEPHYR_BOARDS))
def test_overlay_per_board(project, zephyr_board):
    folder, _, _ = project
    uart, fpu = ZEPHYR_BOARDS[zephyr_board]
    overlay = (folder / zephyr_board_file(zephyr_board, ".overlay")).read_text()
    assert f"microaot,uart = &{uart};" in overlay
    assert re.search(rf"&{uart} \{{[^}}]*current-speed = <115200>;", overlay)
    conf = folder / zephyr_board_file(zephyr_board, ".conf")
    assert ("CONFIG_FPU=y" in conf.read_text()) if fpu else not conf.exists()


def test_every_board_with_a_zephyr_name_has_an_overlay():
    for name in list_boards():
        z = load_board(name).zephyr_board
        if z:
            assert (APP / zephyr_board_file(z, ".overlay")).is_file(), (name, z)


def test_hal_is_the_only_zephyr_file(project):
    folder, _, _ = project
    hal = (folder / "src/hal_zephyr.c").read_text()
    for inc in ('"aot_hal.h"', "<zephyr/drivers/uart.h>", "<zephyr/kernel.h>"):
        assert f"#include {inc}" in hal
    for api in ("uart_poll_in(", "uart_poll_out(", "k_cycle_get_32(", "k_uptime_get(", "DT_CHOSEN(microaot_uart)"):
        assert api in hal, api
    main = (folder / "runtime/src/main.c").read_text()
    assert '#include "aot_hal.h"' in main and '#include "aot_rpc.h"' in main
    zephyr_c = [p.relative_to(folder).as_posix() for p in folder.rglob("*.[ch]") if "zephyr/" in p.read_text()]
    assert zephyr_c == ["src/hal_zephyr.c"]


@pytest.fixture(scope="module")
def stub_app(project, tmp_path_factory):
    """hal_zephyr.c + runtime + model, as the Zephyr CMakeLists lists them, built with host gcc
    over the stub APIs (tests/project/zephyr_stub): the app's own C, run on the host."""
    need_tools("gcc")
    folder, cm, _ = project
    sources = [*cmake_sources(folder), "runtime/src/aot_profile.c"]
    exe = tmp_path_factory.mktemp("stub") / "zephyr_app_stub"
    cmd = ["gcc", "-std=c99", "-O2", *WARNING_CFLAGS, "-DAOT_PROFILE",
           '-DAOT_BOARD_NAME="qemu-mps2-an386"', f"-I{STUB}", f"-I{folder / 'runtime/include'}",
           f"-I{folder / 'model'}", *sorted({str(folder / s) for s in sources}), str(STUB / "zephyr_stub.c"),
           "-lm", "-o", str(exe)]
    run_build(cmd, exe.parent, clean_env("gcc"))
    return exe, cm


def test_app_answers_the_rpc_against_a_zephyr_stub(stub_app):
    exe, cm = stub_app
    with HostSession(exe) as session:
        info = check_rpc(session.url, session.alive, cm, "qemu-mps2-an386")
    assert info["counter_unit"] == "cycles" and info["profiling"]


def test_hal_timeout_drops_a_truncated_request(stub_app):
    """aot_hal_getc's k_uptime_get() timeout: a request cut short is rejected after
    AOT_RPC_BYTE_TIMEOUT_MS (500 ms) with ERR_TRUNCATED, and the line still works."""
    exe, _ = stub_app
    with HostSession(exe) as session:
        client = session.client(10)
        try:
            client.wait_ready(10)
            seq = client.next_seq()
            t0 = time.monotonic()
            client.send_raw(encode_frame(Cmd.WRITE_INPUT, seq, bytes(100))[:30])
            with pytest.raises(RpcRemoteError) as err:
                client.await_reply(Cmd.WRITE_INPUT, seq, 5)
            assert err.value.status == Status.ERR_TRUNCATED
            assert 0.3 < time.monotonic() - t0 < 2.0
            assert client.ping(b"still there") < 1.0
        finally:
            client.close()


def test_zephyr_board_without_a_microaot_board(tmp_path):
    folder, _, meta = make_project(tmp_path, "zephyr", None, KWS, zephyr_board="nucleo_l4r5zi")
    assert meta.board is None and meta.zephyr_board == "nucleo_l4r5zi"
    assert 'set(AOT_ZEPHYR_BOARD "nucleo_l4r5zi")' in (folder / "microaot.cmake").read_text()
    assert "west flash" in (folder / "README.md").read_text()


@pytest.mark.qemu
def test_west_build_runs_under_qemu(tmp_path):
    """Only with a Zephyr workspace: west build for mps2/an385, then the RPC under QEMU."""
    if not os.environ.get("ZEPHYR_BASE"):
        pytest.skip("ZEPHYR_BASE not set: Zephyr is not installed here")
    board = load_board("qemu-mps2-an385")
    need_tools("west", "cmake", board.qemu[0])
    folder, cm, meta = make_project(tmp_path, "zephyr", board, KWS)
    env = {**os.environ}
    proc = subprocess.run(["west", "build", "-p", "always", "-b", meta.zephyr_board, str(folder), "-d", str(folder / "build")],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    elf = folder / meta.firmware
    assert elf.is_file()
    with QemuSession(board, elf) as session:
        info = check_rpc(session.url, session.alive, cm, "qemu-mps2-an385")
    assert info["counter_unit"] == "cycles"
    shutil.rmtree(folder / "build", ignore_errors=True)
