"""`microaot boards`: every board of boards/ with its CPU, memory, features, toolchain and how it runs."""
from __future__ import annotations

import shutil

from aot.driver.report import table
from aot.target.boards import list_boards, load_board

_RUNS = {"qemu": "QEMU", "host": "host", "port": "serial port"}


def boards_json() -> list[dict]:
    """One dict per board, sorted by name (the keys of `microaot boards --json`, docs/cli.md)."""
    result = []
    for name in list_boards():
        b = load_board(name)
        result.append({"name": b.name, "description": b.description, "cpu": b.cpu, "flash_bytes": b.flash_bytes,
                       "ram_bytes": b.ram_bytes, "features": list(b.features), "toolchain": b.cc,
                       "toolchain_found": shutil.which(b.cc) is not None, "run": b.run, "qemu": b.run == "qemu",
                       "counter": b.counter, "zephyr_board": b.zephyr_board})
    return result


def no_board_fits(ram_bytes: int, flash_bytes: int) -> str | None:
    """A warning when no microcontroller board of boards/ (the host aside) has ``ram_bytes`` of
    RAM (arena + state) and ``flash_bytes`` of flash (weights); None when one has."""
    boards = [b for b in map(load_board, list_boards()) if b.ram_bytes is not None and b.flash_bytes is not None]
    if not boards or any(b.ram_bytes >= ram_bytes and b.flash_bytes >= flash_bytes for b in boards):
        return None
    return (f"warning: the model needs {ram_bytes:,} bytes of RAM (arena + state) and {flash_bytes:,} bytes of flash "
            f"(weights): no microcontroller board of the project has that much (the most RAM: "
            f"{max(b.ram_bytes for b in boards):,} bytes, the most flash: {max(b.flash_bytes for b in boards):,})")


def _kib(n: int | None) -> str:
    return "-" if n is None else f"{n // 1024:,} KiB"


def board_rows(boards: list[dict]) -> str:
    rows = [[b["name"], b["cpu"], _kib(b["flash_bytes"]), _kib(b["ram_bytes"]), ", ".join(b["features"]) or "-",
             b["toolchain"] + ("" if b["toolchain_found"] else " (missing)"), _RUNS.get(b["run"], b["run"]),
             b["description"]] for b in boards]
    return table(["board", "cpu", "flash", "RAM", "features", "toolchain", "runs on", "description"], rows, "llrrllll")
