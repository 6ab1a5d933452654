"""Helpers shared by the board tests (imported as a plain module: tests/ has no packages)."""
from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import pytest

from aot.target.boards import list_boards, load_board

FIXTURES = Path(__file__).parent / "fixtures"
QEMU_BOARDS = [n for n in list_boards() if load_board(n).run == "qemu"]


def need_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")


class LineClient:
    """Talks count_loop.c's one-line commands over the QEMU UART socket."""

    def __init__(self, url: str, timeout: float = 20.0):
        host, port = url.removeprefix("socket://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.buf = b""

    def ask(self, line: str) -> str:
        self.sock.sendall(line.encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"UART closed, waiting for the answer to {line!r}")
            self.buf += chunk
        answer, self.buf = self.buf.split(b"\n", 1)
        return answer.decode()

    def close(self) -> None:
        self.sock.close()


def wait_until_dead(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True

