"""aot/target/boards.py: every board.toml loads, agrees with its linker script, and errors are clear."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from aot.core.errors import RunError
from aot.target.boards import BoardError, list_boards, load_board, parse_board
from aot.target.session import PortSession, open_target

BARE_METAL = [n for n in list_boards() if load_board(n).run != "host"]
STARTUP = {"arm-none-eabi-gcc": "startup_cortexm.c", "riscv64-unknown-elf-gcc": "startup_riscv.c"}  # by compiler


def test_known_boards():
    names = list_boards()
    for expected in ("host", "qemu-mps2-an385", "qemu-mps2-an386", "qemu-mps2-an500",
                     "qemu-mps3-an547", "qemu-riscv32-virt", "nucleo-f746zg"):
        assert expected in names


def test_unknown_board_lists_known_ones():
    with pytest.raises(BoardError) as info:
        load_board("stm32-imaginary")
    msg = str(info.value)
    assert "stm32-imaginary" in msg and "qemu-mps2-an386" in msg and "host" in msg


def _memory_regions(linker_script: Path) -> dict[str, int]:
    units = {"": 1, "K": 1024, "M": 1024 * 1024}
    regions = {}
    for name, length, unit in re.findall(r"(\w+)\s*\([rwx]+\)\s*:\s*ORIGIN\s*=\s*\w+\s*,\s*LENGTH\s*=\s*(0x[0-9a-fA-F]+|\d+)([KM]?)",
                                         linker_script.read_text()):
        regions[name] = int(length, 0) * units[unit]
    return regions


@pytest.mark.parametrize("name", BARE_METAL)
def test_board_toml_agrees_with_linker_script(name):
    board = load_board(name)
    regions = _memory_regions(board.dir / "linker.ld")
    assert regions == {"FLASH": board.flash_bytes, "RAM": board.ram_bytes}
    assert [p.name for p in board.sources][0] == STARTUP[board.cc]
    assert board.stack_bytes and board.stack_bytes < board.ram_bytes


@pytest.mark.parametrize("name", [n for n in BARE_METAL if load_board(n).run == "qemu"])
def test_qemu_boards_count_instructions(name):
    board = load_board(name)
    cmd = " ".join(board.qemu)
    assert "-icount shift=0" in cmd and "{elf}" in cmd and "{serial}" in cmd
    assert board.counter == "instructions"
    machine = board.qemu[board.qemu.index("-M") + 1]
    arch = board.qemu[0].removeprefix("qemu-system-")
    assert name in (f"qemu-{machine}", f"qemu-{arch}-{machine}")  # qemu-mps2-an386, qemu-riscv32-virt


def test_real_board_needs_a_port(tmp_path):
    board = load_board("nucleo-f746zg")
    assert board.run == "port" and board.counter == "cycles"
    target = open_target(board, tmp_path / "firmware.elf", port="/dev/ttyACM7")
    assert isinstance(target, PortSession) and target.url == "/dev/ttyACM7"
    from dataclasses import replace

    with pytest.raises(RunError, match="real board"):
        open_target(replace(board, port=None), tmp_path / "firmware.elf")


def test_open_target_picks_the_session_kind(tmp_path):
    from aot.target.host import HostSession
    from aot.target.qemu import QemuSession

    assert isinstance(open_target(load_board("qemu-mps2-an386"), tmp_path / "fw.elf"), QemuSession)
    assert isinstance(open_target(load_board("host"), tmp_path / "fw"), HostSession)


def _write_board(root: Path, name: str, text: str) -> Path:
    (root / name).mkdir(parents=True)
    (root / name / "board.toml").write_text(text)
    return root / name / "board.toml"


def test_malformed_board_toml_is_reported(tmp_path):
    with pytest.raises(BoardError, match="run must be one of"):
        parse_board(_write_board(tmp_path, "b1", 'name = "b1"\ncc = "gcc"\nrun = "cloud"\n'))
    with pytest.raises(BoardError, match="differs from its folder"):
        parse_board(_write_board(tmp_path, "b2", 'name = "other"\ncc = "gcc"\n'))
    with pytest.raises(BoardError, match="missing string key 'cc'"):
        parse_board(_write_board(tmp_path, "b3", 'name = "b3"\n'))
    with pytest.raises(BoardError, match="sources"):
        parse_board(_write_board(tmp_path, "b4", 'name = "b4"\ncc = "gcc"\nsources = ["nope.c"]\n'))


def test_inherit_concatenates_lists(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "base.toml").write_text('cc = "gcc"\ncflags = ["-DA"]\nsources = ["x.c"]\n')
    (tmp_path / "common" / "x.c").write_text("")
    path = _write_board(tmp_path, "b", 'name = "b"\ninherit = "../common/base.toml"\ncflags = ["-DB"]\n'
                                       'ldflags = ["-T{board_dir}/l.ld"]\n')
    board = parse_board(path)
    assert board.cflags == ("-DA", "-DB") and board.cc == "gcc"
    assert board.sources == ((tmp_path / "common" / "x.c").resolve(),)
    assert board.ldflags == (f"-T{(tmp_path / 'b').resolve()}/l.ld",)
    assert board.run == "host"

def test_board_features_are_typed_and_checked(tmp_path):
    assert load_board("qemu-mps2-an386").features == ("dsp", "fpu") and load_board("host").features == ()
    assert "features" not in load_board("qemu-mps3-an547").extra
    for k, bad in enumerate(('"dsp"', '["dsp", "avx"]', '[1]')):
        with pytest.raises(BoardError, match="features must be a list of dsp, mve"):
            parse_board(_write_board(tmp_path, f"f{k}", f'name = "f{k}"\ncc = "gcc"\nfeatures = {bad}\n'))
