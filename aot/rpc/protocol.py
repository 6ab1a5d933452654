"""RPC frame format, host side (the C side is runtime_c/src/aot_framing.c; spec: docs/rpc.md).

Frame, multi-byte fields little-endian::

    0 0xA5 | 1 0x5A | 2 version | 3 cmd | 4-5 seq | 6 status | 7-8 length | payload | CRC16

CRC-16/CCITT-FALSE over bytes 2 .. end of payload, stored little-endian.
"""
from __future__ import annotations

import binascii
import enum
import struct
from dataclasses import dataclass

MAGIC = b"\xa5\x5a"
VERSION = 2  # 2: several models per firmware; model commands start with a u8 model index
HEADER_BYTES = 9
CRC_BYTES = 2
MAX_PAYLOAD = 512
REPLY_FLAG = 0x80
_HEADER = struct.Struct("<2sBBHBH")


class Cmd(enum.IntEnum):
    PING = 0x01
    INFO = 0x02
    TENSOR_INFO = 0x03
    OP_INFO = 0x04
    WRITE_INPUT = 0x05
    READ_OUTPUT = 0x06
    RUN = 0x07
    PROFILE = 0x08
    RESET = 0x09


class Status(enum.IntEnum):
    OK = 0
    ERR_ARG = 1
    ERR_MODEL = 2
    ERR_CRC = 3
    ERR_LENGTH = 4
    ERR_COMMAND = 5
    ERR_VERSION = 6
    ERR_TRUNCATED = 7
    ERR_UNSUPPORTED = 8


def status_name(status: int) -> str:
    try:
        return Status(status).name
    except ValueError:
        return f"UNKNOWN_{status}"


def command_name(cmd: int) -> str:
    try:
        return Cmd(cmd & ~REPLY_FLAG).name
    except ValueError:
        return f"command 0x{cmd:02x}"


def crc16(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, not reflected, no final xor)."""
    return binascii.crc_hqx(data, crc)


@dataclass(frozen=True)
class Frame:
    cmd: int
    seq: int
    status: int = 0
    payload: bytes = b""
    version: int = VERSION

    def encode(self) -> bytes:
        return encode_frame(self.cmd, self.seq, self.payload, self.status, self.version)


@dataclass(frozen=True)
class BadFrame:
    """A rejected candidate frame. cmd/seq are None unless its 9-byte header arrived."""

    error: Status  # ERR_CRC, ERR_LENGTH, ERR_VERSION or ERR_TRUNCATED
    cmd: int | None = None
    seq: int | None = None


def encode_frame(cmd: int, seq: int, payload: bytes = b"", status: int = 0, version: int = VERSION) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    body = _HEADER.pack(MAGIC, version, cmd, seq & 0xFFFF, status, len(payload))[2:] + bytes(payload)
    return MAGIC + body + struct.pack("<H", crc16(body))


def decode_frame(data: bytes) -> Frame:
    """Decode exactly one frame; raises ValueError if ``data`` is anything else."""
    events = StreamDecoder().feed(data)
    if len(events) != 1 or not isinstance(events[0], Frame):
        raise ValueError(f"not exactly one valid frame: {events}")
    frame = events[0]
    if len(frame.encode()) != len(data):
        raise ValueError("bytes around the frame")
    return frame


class State(enum.Enum):
    HUNT = "hunt"
    MAGIC = "magic"
    HEADER = "header"
    PAYLOAD = "payload"
    CRC = "crc"


class StreamDecoder:
    """Byte-stream decoder, the same state machine as aot_framing.c.

    The buffer always starts at the candidate frame's magic. A rejected candidate (bad
    version, length > MAX_PAYLOAD, bad CRC, or :meth:`timeout`) drops its first byte and the
    rest is rescanned, so a valid frame behind garbage or a broken frame is still found.
    """

    def __init__(self) -> None:
        self.buf = bytearray()
        self.state = State.HUNT

    def reset(self) -> None:
        self.buf.clear()
        self.state = State.HUNT

    def header(self) -> tuple[int, int, int] | None:
        """(cmd, seq, length) of the candidate being collected, once its header is complete."""
        if self.state in (State.PAYLOAD, State.CRC):
            _, _, cmd, seq, _, length = _HEADER.unpack_from(self.buf)
            return cmd, seq, length
        return None

    def feed(self, data: bytes) -> list[Frame | BadFrame]:
        self.buf += data
        events: list[Frame | BadFrame] = []
        while (event := self._poll()) is not None:
            events.append(event)
        return events

    def timeout(self) -> BadFrame | None:
        """The line went silent inside a frame: reject the candidate (ERR_TRUNCATED)."""
        if not self.buf:
            return None
        header = self.header()
        return self._reject(Status.ERR_TRUNCATED, header[:2] if header else None)

    def _resync(self, start: int) -> None:
        i = self.buf.find(MAGIC[0], start)
        del self.buf[: len(self.buf) if i < 0 else i]
        self.state = State.HUNT

    def _reject(self, error: Status, cmd_seq: tuple[int, int] | None) -> BadFrame:
        self._resync(1)
        return BadFrame(error, *(cmd_seq or (None, None)))

    def _poll(self) -> Frame | BadFrame | None:
        buf = self.buf
        while True:
            if self.state is State.HUNT:
                self._resync(0)
                if not buf:
                    return None
                self.state = State.MAGIC
            elif self.state is State.MAGIC:
                if len(buf) < 2:
                    return None
                if buf[1] != MAGIC[1]:
                    self._resync(1)
                    continue
                self.state = State.HEADER
            elif self.state is State.HEADER:
                if len(buf) < HEADER_BYTES:
                    return None
                _, version, cmd, seq, _, length = _HEADER.unpack_from(buf)
                if version != VERSION:
                    return self._reject(Status.ERR_VERSION, (cmd, seq))
                if length > MAX_PAYLOAD:
                    return self._reject(Status.ERR_LENGTH, (cmd, seq))
                self.state = State.PAYLOAD
            elif self.state is State.PAYLOAD:
                cmd, seq, length = self.header()
                if len(buf) < HEADER_BYTES + length:
                    return None
                self.state = State.CRC
            else:  # State.CRC
                cmd, seq, length = self.header()
                end = HEADER_BYTES + length
                if len(buf) < end + CRC_BYTES:
                    return None
                (got,) = struct.unpack_from("<H", buf, end)
                if crc16(bytes(buf[2:end])) != got:
                    return self._reject(Status.ERR_CRC, (cmd, seq))
                frame = Frame(cmd, seq, buf[6], bytes(buf[HEADER_BYTES:end]), buf[2])
                del buf[: end + CRC_BYTES]
                self.state = State.HUNT
                return frame
