"""RPC client: drives a board, QEMU or a host executable through any pyserial URL
(``/dev/ttyACM0``, a pty path such as ``/dev/pts/5``, ``socket://127.0.0.1:PORT``).

Timeouts: ``timeout`` bounds how long one call blocks in total. Idempotent commands (all but
RUN) split it over ``1 + retries`` attempts and are retried after a timeout, a corrupted
reply or a device-reported transmission error; RUN is retried only when the device says it
never received the request intact (ERR_CRC / ERR_LENGTH / ERR_TRUNCATED).

A firmware may serve several models: every method about a model takes ``model``, the index
in the firmware's table (0 for a one-model firmware); :meth:`RpcClient.models` lists them.
"""
from __future__ import annotations

import struct
import time
from typing import Any, Callable, Sequence

import numpy as np
import serial

from aot.core.errors import RunError
from aot.core.ir import DTYPE_CODES, DTYPES
from aot.rpc.errors import RpcClosed, RpcCrcError, RpcFrameError, RpcRemoteError, RpcTimeout
from aot.rpc.protocol import MAX_PAYLOAD, REPLY_FLAG, BadFrame, Cmd, Frame, Status, StreamDecoder, command_name, encode_frame

DTYPE_NAMES = {code: name for name, code in DTYPE_CODES.items()}
# The device never executed the request: safe to resend any command.
_NOT_RECEIVED = {Status.ERR_CRC, Status.ERR_LENGTH, Status.ERR_TRUNCATED}
_POLL_S = 0.05  # read slice: bounds how late a deadline or a dead process is noticed
_INFO = struct.Struct("<BHBBIHHHH")
_RUN = struct.Struct("<iIQIII")
INPUT, OUTPUT = 0, 1


def _str(buf: bytes, off: int) -> tuple[str, int]:
    n = buf[off]
    if off + 1 + n > len(buf):
        raise RpcFrameError("string runs past the end of the reply")
    return buf[off + 1 : off + 1 + n].decode("utf-8", "replace"), off + 1 + n


class RpcClient:
    def __init__(self, url: str, timeout: float = 5.0, *, retries: int = 2, baudrate: int = 115200,
                 alive: Callable[[], bool] | None = None):
        """``alive``: optional liveness probe of the device process (e.g. HostSession.alive);
        when it returns False a waiting call raises RpcClosed at once."""
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self._alive = alive
        self._decoder = StreamDecoder()
        self._seq = 0
        self._info: dict[int, dict[str, Any]] = {}
        try:
            self.serial = serial.serial_for_url(url, baudrate=baudrate, timeout=_POLL_S, write_timeout=timeout)
        except (serial.SerialException, OSError, ValueError) as e:
            raise RpcClosed(f"cannot open {url}: {e}") from e

    # ---- lifecycle
    def close(self) -> None:
        if self.serial.is_open:
            self.serial.close()

    def __enter__(self) -> RpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- transport
    def next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (also used to inject faults)."""
        try:
            self.serial.write(data)
        except serial.SerialTimeoutException as e:
            raise RpcTimeout(f"{self.url}: write timed out") from e
        except (serial.SerialException, OSError) as e:
            raise RpcClosed(f"{self.url}: link closed ({e})") from e

    def _read_some(self) -> bytes:
        try:
            data = self.serial.read(self.serial.in_waiting or 1)
        except (serial.SerialException, OSError) as e:
            raise RpcClosed(f"{self.url}: link closed ({e})") from e
        if not data and self._alive is not None and not self._alive():
            raise RpcClosed(f"{self.url}: device process exited")
        return data

    def await_reply(self, cmd: int, seq: int, timeout: float | None = None) -> Frame:
        """Read until the reply (cmd | 0x80, seq) arrives; other frames are stale and dropped."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        want = (cmd | REPLY_FLAG) & 0xFF
        name = command_name(cmd)
        while True:
            for ev in self._decoder.feed(self._read_some()):
                if (ev.cmd, ev.seq) != (want, seq):
                    continue
                if isinstance(ev, BadFrame):
                    if ev.error == Status.ERR_CRC:
                        raise RpcCrcError(f"reply to {name} has a bad CRC")
                    raise RpcFrameError(f"reply to {name} rejected ({ev.error.name})")
                if ev.status != Status.OK:
                    raise RpcRemoteError(ev.status, name)
                return ev
            if time.monotonic() >= deadline:
                header = self._decoder.header()
                if header is not None and header[:2] == (want, seq):
                    raise RpcFrameError(f"truncated reply to {name}: {len(self._decoder.buf)} of {header[2] + 11} bytes")
                raise RpcTimeout(f"{self.url}: no reply to {name} within {timeout:.3g} s")

    def _resync(self) -> None:
        try:
            self.serial.reset_input_buffer()
        except (serial.SerialException, OSError) as e:
            raise RpcClosed(f"{self.url}: link closed ({e})") from e
        self._decoder.reset()

    def call(self, cmd: int, payload: bytes = b"", *, idempotent: bool = True, timeout: float | None = None) -> bytes:
        """One request/reply with retries; returns the reply payload."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        attempts = 1 + self.retries
        for attempt in range(attempts):
            left = max(deadline - time.monotonic(), 0.0)
            seq = self.next_seq()
            self.send_raw(encode_frame(cmd, seq, payload))
            try:
                return self.await_reply(cmd, seq, left / (attempts - attempt) if idempotent else left).payload
            except RpcRemoteError as e:
                if e.status not in _NOT_RECEIVED or attempt == attempts - 1:
                    raise
            except (RpcTimeout, RpcCrcError, RpcFrameError):
                if not idempotent or attempt == attempts - 1:
                    raise
            self._resync()
        raise AssertionError("unreachable")

    # ---- commands
    def ping(self, payload: bytes = b"", timeout: float | None = None) -> float:
        """Round trip; returns its duration in seconds. The device echoes ``payload``."""
        t0 = time.monotonic()
        echo = self.call(Cmd.PING, payload, timeout=timeout)
        if echo != payload:
            raise RpcFrameError(f"PING echoed {len(echo)} bytes that differ from the {len(payload)} sent")
        return time.monotonic() - t0

    def wait_ready(self, timeout: float = 10.0) -> None:
        """Ping until the device answers (e.g. while QEMU or a board boots)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ping(timeout=min(0.5, max(deadline - time.monotonic(), 0.01)))
                return
            except (RpcTimeout, RpcCrcError, RpcFrameError):
                if time.monotonic() >= deadline:
                    raise RpcTimeout(f"{self.url}: device not ready within {timeout:.3g} s") from None
                self._resync()

    def model_info(self, model: int = 0) -> dict[str, Any]:
        """INFO of one model, without its tensors: name, hash, arena_bytes, n_models, ..."""
        p = self.call(Cmd.INFO, struct.pack("<B", model))
        if len(p) < _INFO.size:
            raise RpcFrameError(f"INFO reply too short ({len(p)} bytes)")
        flags, max_payload, n_models, index, arena, n_in, n_out, n_ops, profile_ops = _INFO.unpack_from(p)
        if index != model:
            raise RpcFrameError(f"INFO about model {index}, asked for model {model}")
        off = _INFO.size
        counter_unit, off = _str(p, off)
        board, off = _str(p, off)
        name, off = _str(p, off)
        digest, off = _str(p, off)
        state = struct.unpack_from("<I", p, off)[0] if len(p) >= off + 4 else 0  # absent before RESET existed
        return {
            "index": index, "n_models": n_models, "name": name, "hash": digest, "board": board,
            "counter_unit": counter_unit, "arena_bytes": arena, "n_inputs": n_in, "n_outputs": n_out,
            "n_ops": n_ops, "profiling": bool(flags & 1), "profile_max_ops": profile_ops, "max_payload": max_payload,
            "state_bytes": state,
        }

    def models(self) -> list[dict[str, Any]]:
        """model_info() of every model the firmware serves, in index order."""
        first = self.model_info(0)
        return [first, *(self.model_info(i) for i in range(1, first["n_models"]))]

    def info(self, model: int = 0) -> dict[str, Any]:
        """model_info() plus the descriptors of its inputs and outputs (cached for the model's calls)."""
        info = self.model_info(model)
        n_in, n_out = info.pop("n_inputs"), info.pop("n_outputs")
        info["inputs"] = [self.tensor_info(INPUT, i, model=model) for i in range(n_in)]
        info["outputs"] = [self.tensor_info(OUTPUT, i, model=model) for i in range(n_out)]
        self._info[model] = info
        return info

    def tensor_info(self, kind: int, index: int, *, model: int = 0) -> dict[str, Any]:
        """Descriptor of input (kind 0) or output (kind 1) ``index``."""
        p = self.call(Cmd.TENSOR_INFO, struct.pack("<BBH", model, kind, index))
        try:
            _, _, dtype, ndim = struct.unpack_from("<BHBB", p)
            shape = struct.unpack_from(f"<{ndim}i", p, 5)
            off = 5 + 4 * ndim
            scale, zero_point, offset, nbytes = struct.unpack_from("<fiII", p, off)
            name, _ = _str(p, off + 16)
        except struct.error as e:
            raise RpcFrameError(f"TENSOR_INFO reply malformed: {e}") from e
        if dtype not in DTYPE_NAMES:
            raise RpcFrameError(f"TENSOR_INFO: unknown dtype code {dtype}")
        return {"name": name, "dtype": DTYPE_NAMES[dtype], "shape": tuple(shape), "scale": scale,
                "zero_point": zero_point, "offset": offset, "bytes": nbytes}

    def _descriptors(self, model: int) -> dict[str, Any]:
        return self._info[model] if model in self._info else self.info(model)

    def op_info(self, *, model: int = 0) -> list[dict[str, Any]]:
        """[{name, macs}] per operator."""
        n_ops = self._descriptors(model)["n_ops"]
        ops: list[dict[str, Any]] = []
        while len(ops) < n_ops:
            p = self.call(Cmd.OP_INFO, struct.pack("<BH", model, len(ops)))
            first, count = struct.unpack_from("<HH", p)
            if first != len(ops) or count == 0:
                raise RpcFrameError(f"OP_INFO returned ops {first}+{count}, asked from {len(ops)}")
            off = 4
            for _ in range(count):
                (macs,) = struct.unpack_from("<I", p, off)
                name, off = _str(p, off + 4)
                ops.append({"name": name, "macs": macs})
        return ops

    def write_input(self, index: int, data: bytes, offset: int = 0, *, model: int = 0) -> None:
        step = MAX_PAYLOAD - 7
        for pos in range(0, len(data), step):
            self.call(Cmd.WRITE_INPUT, struct.pack("<BHI", model, index, offset + pos) + bytes(data[pos : pos + step]))

    def read_output(self, index: int, offset: int = 0, length: int | None = None, *, model: int = 0) -> bytes:
        if length is None:
            length = self._descriptors(model)["outputs"][index]["bytes"] - offset
        chunks = []
        for pos in range(0, length, MAX_PAYLOAD):
            n = min(MAX_PAYLOAD, length - pos)
            chunk = self.call(Cmd.READ_OUTPUT, struct.pack("<BHIH", model, index, offset + pos, n))
            if len(chunk) != n:
                raise RpcFrameError(f"READ_OUTPUT returned {len(chunk)} bytes, asked {n}")
            chunks.append(chunk)
        return b"".join(chunks)

    def run(self, repeat: int = 1, timeout: float | None = None, *, model: int = 0) -> dict[str, int]:
        """Run the model ``repeat`` times (stops at the first failure). ``status`` is the model's
        return code; counters are in the board's counter unit."""
        p = self.call(Cmd.RUN, struct.pack("<BI", model, repeat), idempotent=False, timeout=timeout)
        if len(p) != _RUN.size:
            raise RpcFrameError(f"RUN reply has {len(p)} bytes, expected {_RUN.size}")
        status, done, total, mean, lo, hi = _RUN.unpack(p)
        return {"status": status, "repeat": done, "counter": total, "per_inference": mean, "min": lo, "max": hi}

    def reset(self, *, model: int = 0) -> None:
        """Restore the model's state area to its initial values (the start of a new sequence);
        a model without state has nothing to reset."""
        self.call(Cmd.RESET, struct.pack("<B", model), idempotent=True)

    def profile(self, *, model: int = 0) -> list[int]:
        """Counter delta of every operator in the last inference, which must be one of ``model``
        (needs -DAOT_PROFILE)."""
        n_ops = self._descriptors(model)["n_ops"]
        values: list[int] = []
        while len(values) < n_ops:
            p = self.call(Cmd.PROFILE, struct.pack("<BHH", model, len(values), n_ops - len(values)))
            first, count = struct.unpack_from("<HH", p)
            if first != len(values) or count == 0 or len(p) != 4 + 4 * count:
                raise RpcFrameError(f"PROFILE returned ops {first}+{count} in {len(p)} bytes")
            values.extend(struct.unpack_from(f"<{count}I", p, 4))
        return values

    def invoke(self, inputs: Sequence[np.ndarray], repeat: int = 1,
               timeout: float | None = None, *, model: int = 0) -> tuple[list[np.ndarray], int]:
        """Write inputs, run, read outputs. Returns (outputs, counter per inference)."""
        desc = self._descriptors(model)
        if len(inputs) != len(desc["inputs"]):
            raise RunError(f"model {desc['name']!r} takes {len(desc['inputs'])} inputs, got {len(inputs)}")
        for i, (x, d) in enumerate(zip(inputs, desc["inputs"])):
            self.write_input(i, _to_device(np.asarray(x), d, i), model=model)
        result = self.run(repeat, timeout, model=model)
        if result["status"] != 0:
            raise RpcRemoteError(Status.ERR_MODEL, "RUN", f"model returned {result['status']}")
        outputs = []
        for i, d in enumerate(desc["outputs"]):
            dtype = np.dtype(DTYPES[d["dtype"]]).newbyteorder("<")
            outputs.append(np.frombuffer(self.read_output(i, model=model), dtype).reshape(d["shape"]).astype(dtype.newbyteorder("=")))
        return outputs, result["per_inference"]


def _to_device(x: np.ndarray, d: dict[str, Any], i: int) -> bytes:
    """Check shape, convert dtype when lossless, serialise little-endian."""
    where = f"input {i} ({d['name']!r})"
    if x.shape != d["shape"]:
        if x.size != int(np.prod(d["shape"])) or tuple(s for s in x.shape if s != 1) != tuple(s for s in d["shape"] if s != 1):
            raise RunError(f"{where}: shape {x.shape} does not match {d['shape']}")
        x = x.reshape(d["shape"])
    target = np.dtype(DTYPES[d["dtype"]])
    if x.dtype != target:
        if target.kind == "f" and x.dtype.kind in "fiub":
            x = x.astype(target)
        elif target.kind in "iu" and x.dtype.kind in "iub":
            info = np.iinfo(target)
            if x.size and (x.min() < info.min or x.max() > info.max):
                raise RunError(f"{where}: values outside the {d['dtype']} range")
            x = x.astype(target)
        elif target.kind == "b" and x.dtype.kind in "iu" and np.isin(x, (0, 1)).all():
            x = x.astype(target)
        else:
            raise RunError(f"{where}: cannot convert {x.dtype} to {d['dtype']}")
    if d["bytes"] != x.nbytes:
        raise RunError(f"{where}: {x.nbytes} bytes, the device expects {d['bytes']}")
    return x.astype(target.newbyteorder("<")).tobytes()
