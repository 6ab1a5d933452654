"""Fixtures for the board tests: the count_loop test firmware, built once per QEMU board."""
from __future__ import annotations

import pytest
from board_helpers import FIXTURES, need_tools

from aot.target.boards import load_board
from aot.target.build import BuildResult, build_sources


@pytest.fixture(scope="session")
def count_loop_firmware(tmp_path_factory: pytest.TempPathFactory):
    """build(board_name) -> BuildResult of fixtures/count_loop.c for that board (built once)."""
    built: dict[str, BuildResult] = {}

    def get(name: str) -> BuildResult:
        if name not in built:
            board = load_board(name)
            need_tools(board.cc, *board.qemu[:1])
            out = tmp_path_factory.mktemp(f"count_loop-{name}")
            built[name] = build_sources(board, {"fixture": [FIXTURES / "count_loop.c"]}, out)
        return built[name]

    return get
