"""aot/target/build.py: firmware for every board, sizes, stack bound, cache, clear errors."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from board_helpers import FIXTURES, need_tools

from aot.core.errors import BuildError
from aot.target.boards import load_board
from aot.target.build import build, build_sources

MOCK_MODEL = Path(__file__).parent.parent / "rpc" / "fixtures" / "mock_model.c"


def arm_board(name: str):
    board = load_board(name)
    need_tools(board.cc)
    return board


@pytest.fixture
def mock_model_dir(tmp_path: Path) -> Path:
    if not MOCK_MODEL.is_file():
        pytest.skip("tests/rpc/fixtures/mock_model.c not present")
    d = tmp_path / "model"
    d.mkdir()
    shutil.copy(MOCK_MODEL, d / "mock_model.c")
    return d


def test_model_too_big_for_ram_fails_naming_region_need_and_limit(tmp_path):
    board = arm_board("qemu-mps2-an385")
    arena = 5 * 1024 * 1024
    with pytest.raises(BuildError) as info:
        build_sources(board, {"model": [FIXTURES / "big_arena.c"]}, tmp_path,
                      extra_cflags=[f"-DARENA_BYTES={arena}"])
    msg = str(info.value)
    m = re.search(r"model needs (\d+) bytes of RAM .* but board qemu-mps2-an385 has 4194304 "
                  r"\(region RAM overflowed by (\d+) bytes\)", msg)
    assert m, msg
    need, excess = int(m[1]), int(m[2])
    assert need == 4194304 + excess
    assert need >= arena + board.stack_bytes


def test_model_too_big_for_flash_fails_naming_flash(tmp_path):
    board = arm_board("qemu-mps3-an547")
    with pytest.raises(BuildError, match=r"model needs \d+ bytes of flash but board qemu-mps3-an547 "
                                         r"has 524288 \(region FLASH"):
        build_sources(board, {"model": [FIXTURES / "big_arena.c"]}, tmp_path,
                      extra_cflags=["-DWEIGHT_BYTES=600000"])


def test_nucleo_rpc_firmware_builds(tmp_path, mock_model_dir):
    board = arm_board("nucleo-f746zg")
    result = build(board, mock_model_dir, tmp_path / "out", profile=True)
    assert result.executable.is_file()
    assert 0 < result.flash_bytes <= board.flash_bytes
    assert 0 < result.ram_total_bytes <= board.ram_bytes
    nm = subprocess.run(["arm-none-eabi-nm", str(result.executable)], capture_output=True, text=True).stdout
    symbols = {line.split()[-1]: int(line.split()[0], 16) for line in nm.splitlines() if len(line.split()) == 3}
    assert symbols["aot_vector_table"] == 0x08000000  # the chip boots from the start of flash
    assert symbols["__stack_top__"] <= 0x20000000 + board.ram_bytes
    assert "aot_rpc_serve" in symbols
    image = result.executable.with_suffix(".bin")  # for st-flash / pyOCD
    assert image.is_file() and image.stat().st_size == result.flash_bytes


def test_sizes_and_stack_bound(tmp_path):
    board = arm_board("qemu-mps2-an386")
    r = build_sources(board, {"fixture": [FIXTURES / "big_arena.c"]}, tmp_path,
                      extra_cflags=["-DARENA_BYTES=10000", "-DWEIGHT_BYTES=3000"])
    assert r.bss >= 10000 and r.rodata >= 3000 and r.text > 0
    assert r.flash_bytes == r.text + r.rodata + r.data
    assert r.ram_bytes == r.data + r.bss
    assert r.stack.complete and r.stack.path[:2] == ["Reset_Handler", "main"]
    assert r.ram_total_bytes == r.ram_bytes + r.stack.bytes


def test_unchanged_inputs_are_not_rebuilt(tmp_path):
    board = arm_board("qemu-mps2-an385")
    src = tmp_path / "src" / "big_arena.c"
    src.parent.mkdir()
    shutil.copy(FIXTURES / "big_arena.c", src)
    out = tmp_path / "out"
    first = build_sources(board, {"m": [src]}, out)
    assert not first.cached
    again = build_sources(board, {"m": [src]}, out)
    assert again.cached and again.text == first.text and again.stack == first.stack
    assert not build_sources(board, {"m": [src]}, out, extra_cflags=["-DARENA_BYTES=64"]).cached
    src.write_text(src.read_text() + "\n/* changed */\n")
    assert not build_sources(board, {"m": [src]}, out).cached


def test_compile_error_shows_the_compiler_error(tmp_path):
    board = arm_board("qemu-mps2-an385")
    bad = tmp_path / "model"
    bad.mkdir()
    (bad / "bad_model.c").write_text("int f(void) { return undeclared_thing; }\n")
    with pytest.raises(BuildError) as info:
        build(board, bad, tmp_path / "out")
    msg = str(info.value)
    assert "bad_model.c" in msg and "undeclared_thing" in msg and "error" in msg


def test_empty_model_dir_is_an_error(tmp_path):
    with pytest.raises(BuildError, match="no C sources"):
        build(load_board("qemu-mps2-an385"), tmp_path, tmp_path / "out")


def test_missing_compiler_is_an_error(tmp_path):
    from dataclasses import replace

    board = replace(load_board("qemu-mps2-an385"), cc="no-such-gcc")
    with pytest.raises(BuildError, match="no-such-gcc"):
        build_sources(board, {"m": [FIXTURES / "big_arena.c"]}, tmp_path)


def test_host_build(tmp_path, mock_model_dir):
    board = load_board("host")
    need_tools(board.cc)
    r = build(board, mock_model_dir, tmp_path / "out")
    assert r.executable.name == "firmware" and r.executable.is_file()
    assert r.text > 0 and r.stack.bytes > 0
