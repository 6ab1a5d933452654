"""One way to reach any board: ``with open_target(board, executable) as target: target.url``.

- QEMU boards: QemuSession starts the emulator, the UART is a socket:// URL.
- host: HostSession runs the executable behind a pty, the URL is the pty's path.
- real boards: nothing to start; the firmware must already be flashed and the URL is the
  serial port (``port`` argument, else board.toml's ``port``).
Every target has ``url``, ``alive()``, ``check()`` and ``client(timeout)``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from aot.core.errors import RunError
from aot.rpc.client import RpcClient
from aot.target.boards import Board
from aot.target.host import HostSession
from aot.target.qemu import QemuSession


class PortSession:
    """A real board on a serial port: starts and stops nothing."""

    def __init__(self, board: Board, port: str):
        self.board = board
        self.url = port

    def __enter__(self) -> PortSession:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def start(self) -> PortSession:
        return self

    def close(self) -> None:
        pass

    def alive(self) -> bool:
        return True

    def check(self) -> None:
        pass

    def client(self, timeout: float = 5.0, **kw: Any):
        return RpcClient(self.url, timeout, baudrate=self.board.baudrate, **kw)


def open_target(board: Board, executable: Path | None, *, port: str | None = None):
    """The context manager that runs ``executable`` on ``board`` and exposes its serial URL.

    An explicit ``port`` means firmware that already runs (a flashed board, or a QEMU or host
    process started by hand, e.g. from a `microaot project` build): nothing is started then,
    and ``executable`` may be None."""
    if port:
        return PortSession(board, port)
    if executable is None:
        raise RunError(f"nothing to run on board {board.name}: no firmware and no --port")
    if board.run == "qemu":
        return QemuSession(board, executable)
    if board.run == "host":
        return HostSession(executable)
    port = board.port
    if not port:
        raise RunError(f"board {board.name} is a real board: flash {executable} onto it "
                       "(see docs/boards.md) and give its serial port, e.g. --port /dev/ttyACM0")
    return PortSession(board, port)
