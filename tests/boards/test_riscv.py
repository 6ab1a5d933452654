"""The RISC-V QEMU board (qemu-riscv32-virt: rv32imac, picolibc, ns16550a UART, minstret).

Its HAL is validated by the tests every QEMU board runs (QEMU_BOARDS): test_qemu.py (boot, the
minstret counter against a loop of known length, the host-clock getc timeout, exit statuses)
and test_rpc_qemu.py (an RPC session with the mock model). Here: what is RISC-V's own, and
`microaot run` of real models through the same RPC firmware, bit-exact with the reference."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from board_helpers import need_tools

from aot.driver.compiler import compile_file
from aot.driver.reference import random_inputs
from aot.driver.runner import run_on_board
from aot.target.boards import load_board
from tests.models_list import INT8_MODELS, model_path

BOARD = "qemu-riscv32-virt"


def test_board_description():
    board = load_board(BOARD)
    assert board.run == "qemu" and board.counter == "instructions" and board.features == ()
    assert board.cc == "riscv64-unknown-elf-gcc" and board.binutil("size") == "riscv64-unknown-elf-size"
    assert "-icount" in board.qemu and "-march=rv32imac" in board.cflags and "-mabi=ilp32" in board.cflags


def test_boards_lists_it():
    p = subprocess.run([sys.executable, "-m", "aot", "boards", "--json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    riscv = next(b for b in json.loads(p.stdout) if b["name"] == BOARD)
    assert riscv["cpu"] == "rv32imac" and riscv["qemu"] is True and riscv["features"] == []
    assert riscv["toolchain"] == "riscv64-unknown-elf-gcc" and riscv["counter"] == "instructions"


@pytest.mark.qemu
@pytest.mark.parametrize("name", ["kws_ref_model_int8", "hello_world_float32"])
def test_model_runs_on_riscv(name, tmp_path):
    board = load_board(BOARD)
    need_tools(board.cc, board.qemu[0])
    cm = compile_file(model_path(name))
    result = run_on_board(cm, board, random_inputs(cm.graph, 3), build_dir=tmp_path)
    assert result.match, [(c.name, c.max_abs_diff, c.tolerance) for c in result.comparisons]
    if name in INT8_MODELS:
        assert result.max_abs_diff == 0
    assert result.counter_unit == "instructions"
    assert result.counter > cm.macs  # rv32imac has no SIMD: at least one instruction per MAC
