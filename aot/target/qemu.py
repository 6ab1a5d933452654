"""Run a firmware under QEMU with its UART on a TCP socket that pyserial can open.

The socket is bound (to a free port the kernel picks) and listening *before* QEMU starts;
QEMU inherits it as a file descriptor (``-chardev socket,fd=N,server=on``). So there is no
race for the port between parallel sessions, and a client may connect as soon as start()
returns. Bytes the firmware sends before a client connects are dropped (wait=off): firmware
speaks only when spoken to (the RPC server does).

QEMU runs in its own process group and is killed with it on close(), when the session is
garbage-collected, at interpreter exit, and (Linux) when the thread that started it dies
(PR_SET_PDEATHSIG), so no emulator outlives its test.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Any

from aot.core.errors import RunError
from aot.rpc.client import RpcClient
from aot.target.boards import Board
from aot.target.toolchain import install_hint

CHARDEV_ID = "aotuart"


class QemuError(RunError):
    """QEMU could not start, or the firmware under it stopped."""


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def qemu_command(board: Board, elf: Path, serial: str) -> list[str]:
    """The board's qemu template with {elf} and {serial} filled in."""
    cmd = [arg.replace("{elf}", str(elf)).replace("{serial}", serial) for arg in board.qemu]
    if board.counter == "instructions" and "-icount" not in cmd:
        raise QemuError(f"board {board.name}: its qemu command lacks -icount, so its counter "
                        "would not count instructions")
    return cmd


class QemuSession:
    """``with QemuSession(board, elf) as s: RpcClient(s.url)`` (or ``s.client()``)."""

    def __init__(self, board: Board, elf: Path | str, *, extra_args: tuple[str, ...] = ()):
        self.board = board
        self.elf = Path(elf)
        self.extra_args = tuple(extra_args)
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.port = 0
        self._log: Any = None
        self._finalizer: weakref.finalize | None = None

    # ---- lifecycle
    def start(self) -> QemuSession:
        if not self.board.qemu:
            raise QemuError(f"board {self.board.name} has no qemu command")
        if shutil.which(self.board.qemu[0]) is None:
            raise QemuError(f"{self.board.qemu[0]} not found on PATH (needed by board {self.board.name})"
                            f"{install_hint(self.board.qemu[0])}")
        if not self.elf.is_file():
            raise QemuError(f"firmware {self.elf} does not exist")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            self.port = listener.getsockname()[1]
            fd = listener.fileno()
            cmd = qemu_command(self.board, self.elf, f"chardev:{CHARDEV_ID}") + [
                "-chardev", f"socket,id={CHARDEV_ID},fd={fd},server=on,wait=off", *self.extra_args]
            self._log = tempfile.TemporaryFile()
            self.process = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                pass_fds=(fd,), start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            listener.close()  # QEMU holds its own copy
        self._finalizer = weakref.finalize(self, _kill_group, self.process)
        self.url = f"socket://127.0.0.1:{self.port}"
        return self

    def __enter__(self) -> QemuSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()  # kills the process group once, and reaps it
        if self._log is not None:
            self._log.close()
            self._log = None

    # ---- state
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait(self, timeout: float) -> int:
        """Wait for the firmware to end (semihosting exit: 0 when main returned 0)."""
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise QemuError(f"QEMU ({self.board.name}) still running after {timeout} s") from None

    def stderr(self) -> str:
        """What QEMU printed (its stdout and stderr)."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def check(self) -> None:
        """Raise QemuError, with QEMU's output, if the emulator has stopped."""
        if self.process is not None and not self.alive():
            code = self.returncode
            how = f"exited with code {code}" if code >= 0 else f"was killed by {signal.Signals(-code).name}"
            raise QemuError(f"QEMU ({self.board.name}, {self.elf.name}) {how}: "
                            f"{self.stderr().strip()[-2000:] or 'no output'}")

    def client(self, timeout: float = 5.0, **kw: Any):
        """An RpcClient on the UART that notices QEMU's death at once."""
        return RpcClient(self.url, timeout, alive=self.alive, **kw)
