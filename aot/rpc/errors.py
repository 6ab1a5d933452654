"""Typed errors of the serial RPC. All are ``aot.core.errors.RunError`` so the CLI shows one line."""
from __future__ import annotations

from aot.core.errors import RunError
from aot.rpc.protocol import status_name


class RpcError(RunError):
    """Base class of every RPC failure."""


class RpcTimeout(RpcError):
    """No (complete) reply within the timeout: the device is silent or busy."""


class RpcCrcError(RpcError):
    """A reply arrived with a bad CRC."""


class RpcFrameError(RpcError):
    """A reply was malformed: truncated, wrong length for its command, unexpected content."""


class RpcClosed(RpcError):
    """The link is gone: the device process died, the socket closed, the port vanished."""


class RpcRemoteError(RpcError):
    """The device answered with a non-OK status (``status``, ``status_name``)."""

    def __init__(self, status: int, command: str = "", detail: str = ""):
        self.status = status
        self.status_name = status_name(status)
        msg = f"device replied {self.status_name} (status {status})"
        if command:
            msg += f" to {command}"
        if detail:
            msg += f": {detail}"
        super().__init__(msg)
