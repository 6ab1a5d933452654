"""The RISC-V boards: QEMU's virt machine (qemu-riscv32-virt: rv32imac, picolibc, ns16550a UART,
minstret; qemu-riscv64-virt the same in rv64imac) and a real one that builds (longan-nano, GD32VF103).

The QEMU boards' HAL is validated by the tests every QEMU board runs (QEMU_BOARDS): test_qemu.py (boot, the
minstret counter against a loop of known length, the host-clock getc timeout, exit statuses)
and test_rpc_qemu.py (an RPC session with the mock model). Here: what is RISC-V's own, and
`microaot run` of real models through the same RPC firmware, bit-exact with the reference."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from board_helpers import need_tools

from aot.driver.compiler import compile_file
from aot.driver.reference import random_inputs
from aot.driver.runner import run_on_board
from aot.target.boards import load_board
from aot.target.build import build
from tests.models_list import INT8_MODELS, model_path

BOARD = "qemu-riscv32-virt"
BOARD64 = "qemu-riscv64-virt"   # the same HAL and start-up, rv64imac / lp64
MOCK_MODEL = Path(__file__).parent.parent / "rpc" / "fixtures" / "mock_model.c"


def test_board_description():
    board = load_board(BOARD)
    assert board.run == "qemu" and board.counter == "instructions" and board.features == ()
    assert board.cc == "riscv64-unknown-elf-gcc" and board.binutil("size") == "riscv64-unknown-elf-size"
    assert "-icount" in board.qemu and "-march=rv32imac" in board.cflags and "-mabi=ilp32" in board.cflags


def test_64_bit_board_description():
    board = load_board(BOARD64)
    assert board.run == "qemu" and board.counter == "instructions" and board.qemu[0] == "qemu-system-riscv64"
    assert {"-march=rv64imac", "-mabi=lp64", "-mcmodel=medany"} <= set(board.cflags)


def test_boards_lists_it():
    p = subprocess.run([sys.executable, "-m", "aot", "boards", "--json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    riscv = next(b for b in json.loads(p.stdout) if b["name"] == BOARD)
    assert riscv["cpu"] == "rv32imac" and riscv["qemu"] is True and riscv["features"] == []
    assert riscv["toolchain"] == "riscv64-unknown-elf-gcc" and riscv["counter"] == "instructions"


@pytest.mark.qemu
@pytest.mark.parametrize("board_name", [BOARD, BOARD64])
@pytest.mark.parametrize("name", ["kws_ref_model_int8", "hello_world_float32"])
def test_model_runs_on_riscv(name, board_name, tmp_path):
    board = load_board(board_name)
    need_tools(board.cc, board.qemu[0])
    cm = compile_file(model_path(name))
    result = run_on_board(cm, board, random_inputs(cm.graph, 3), build_dir=tmp_path)
    assert result.match, [(c.name, c.max_abs_diff, c.tolerance) for c in result.comparisons]
    if name in INT8_MODELS:
        assert result.max_abs_diff == 0
    assert result.counter_unit == "instructions"
    assert result.counter > cm.macs  # rv32imac has no SIMD: at least one instruction per MAC


# TFLM with its reference kernels on rv32imac, instructions per inference under the same QEMU
# (issue 17): the blocked kernels (codegen_c/blocked.py) are to need at most half as many.
TFLM_REFERENCE = {"kws_ref_model_int8": 44_311_300, "vww_96_int8": 109_927_900, "ic_resnet8_int8": 125_528_600,
                  "ad01_int8": 2_480_700}


@pytest.mark.qemu
@pytest.mark.parametrize("name", sorted(TFLM_REFERENCE))
def test_int8_models_within_half_of_tflm(name, tmp_path):
    board = load_board(BOARD)
    need_tools(board.cc, board.qemu[0])
    cm = compile_file(model_path(name), board=board)
    # scratch-free, so always within the balanced arena bound (an in-place depthwise convolution
    # may keep the portable kernel, whose scratch is smaller than the blocked one's ring)
    assert {v.name for i, v in cm.variants.items() if cm.graph.ops[i].kind in ("conv2d", "fully_connected")} == {"blocked"}
    result = run_on_board(cm, board, random_inputs(cm.graph, 3), build_dir=tmp_path)
    assert result.match and result.max_abs_diff == 0
    assert result.counter <= TFLM_REFERENCE[name] // 2, f"{name}: {result.counter:,} instructions"

REAL_BOARD = "longan-nano"


def test_real_board_description():
    board = load_board(REAL_BOARD)
    assert board.run == "port" and board.counter == "cycles" and board.features == ()
    assert board.cc == "riscv64-unknown-elf-gcc" and "-march=rv32imac" in board.cflags
    assert "-DAOT_SEMIHOSTING" not in board.cflags   # silicon: no debugger answers the trap


def test_real_board_rpc_firmware_builds(tmp_path):
    """The GD32VF103 board builds the RPC firmware (it runs on silicon only): the start-up code at the
    start of flash, the stack inside its 32 KB of SRAM, images to flash, no semihosting trap left."""
    board = load_board(REAL_BOARD)
    need_tools(board.cc)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    shutil.copy(MOCK_MODEL, model_dir / "mock_model.c")
    result = build(board, model_dir, tmp_path / "out", profile=True)
    assert 0 < result.flash_bytes <= board.flash_bytes and 0 < result.ram_total_bytes <= board.ram_bytes
    nm = subprocess.run([board.binutil("nm"), str(result.executable)], capture_output=True, text=True).stdout
    symbols = {line.split()[-1]: int(line.split()[0], 16) for line in nm.splitlines() if len(line.split()) == 3}
    assert symbols["_start"] == 0x08000000 and symbols["__stack_top__"] <= 0x20000000 + board.ram_bytes
    assert "aot_rpc_serve" in symbols
    code = subprocess.run([board.binutil("objdump"), "-d", str(result.executable)], capture_output=True, text=True).stdout
    first = [line.split("\t")[2] for line in code.splitlines() if line.strip().startswith("8000000:")]
    assert first and first[0].startswith("lui"), first   # the absolute jump out of the boot alias
    assert "ebreak" not in code
    image = result.executable.with_suffix(".bin")
    assert image.is_file() and result.flash_bytes <= image.stat().st_size <= board.flash_bytes  # + gaps between sections
