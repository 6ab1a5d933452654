"""Run a host-built firmware (boards/host) behind a pty, so RpcClient talks to it through a
tty path exactly as it talks to a board's /dev/ttyACM0.

The firmware gets the pty master as stdin/stdout; the client opens the slave path (``url``).
When the firmware dies the master closes and the client's reads fail (RpcClosed).
"""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import tty
from pathlib import Path
from typing import Any, Sequence

from aot.rpc.client import RpcClient
from aot.rpc.errors import RpcClosed


class HostSession:
    def __init__(self, executable: Path | str, args: Sequence[str] = (), env: dict[str, str] | None = None):
        self.executable = Path(executable)
        self.args = list(args)
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._slave = -1
        self._stderr: Any = None
        self._stderr_text = ""

    def start(self) -> HostSession:
        master, slave = os.openpty()
        try:
            tty.setraw(slave)  # no echo, no CR/LF translation: a clean 8-bit line
            self._stderr = tempfile.TemporaryFile()
            self.process = subprocess.Popen(
                [str(self.executable), *self.args], stdin=master, stdout=master, stderr=self._stderr,
                env=self.env, start_new_session=True, close_fds=True)
        except BaseException:
            os.close(slave)
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None
            raise
        finally:
            os.close(master)  # the child holds the only master: its death hangs up the line
        self._slave = slave  # kept open so the line stays up until the client opens it
        self.url = os.ttyname(slave)
        return self

    def __enter__(self) -> HostSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _peek(self) -> os.waitid_result | None:
        """Exit info of the firmware without reaping it: while unreaped, its pid (= process
        group id) cannot be reused, so killing the group later hits only our processes."""
        assert self.process is not None
        return os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)

    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None and self._peek() is None

    @property
    def returncode(self) -> int | None:
        """Exit code (negative signal number if killed), None while running or not started."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        info = self._peek()
        if info is None:
            return None
        return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status

    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` s for the firmware to exit (without reaping it); returncode."""
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.returncode

    def stderr(self) -> str:
        if self._stderr is None:
            return self._stderr_text
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def check(self) -> None:
        """Raise RpcClosed (with the exit code and stderr) if the firmware has exited."""
        if self.process is not None and not self.alive():
            raise RpcClosed(f"{self.executable.name} exited with code {self.returncode}: {self.stderr().strip()[-2000:]}")

    def client(self, timeout: float = 5.0, **kw: Any) -> RpcClient:
        """An RpcClient on this session's tty that notices the process's death at once."""
        return RpcClient(self.url, timeout, alive=self.alive, **kw)

    def kill(self) -> None:
        """SIGKILL the firmware's process group (it runs in its own session) and reap it."""
        if self.process is None or self.process.returncode is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def close(self) -> None:
        self.kill()
        if self._slave >= 0:
            os.close(self._slave)
            self._slave = -1
        if self._stderr is not None:
            self._stderr_text = self.stderr()
            self._stderr.close()
            self._stderr = None
