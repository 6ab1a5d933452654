"""Frame encoding/decoding on the host side, and the C decoder checked against it."""
from __future__ import annotations

import random
import struct
import subprocess

import pytest

from aot.rpc.protocol import MAX_PAYLOAD, BadFrame, Cmd, Frame, State, Status, StreamDecoder, crc16, decode_frame, encode_frame


def crc16_reference(data: bytes) -> int:
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def test_crc_known_vectors():
    assert crc16(b"123456789") == 0x29B1
    assert crc16(b"") == 0xFFFF
    data = bytes(range(256)) * 3
    assert crc16(data) == crc16_reference(data)
    assert crc16(data[100:], crc16(data[:100])) == crc16(data)


def test_encode_layout():
    raw = encode_frame(Cmd.PING, 0x1234, b"\x01\x02\x03", status=0)
    assert raw[:9] == bytes([0xA5, 0x5A, 0x02, 0x01, 0x34, 0x12, 0x00, 0x03, 0x00])
    assert raw[9:12] == b"\x01\x02\x03"
    assert struct.unpack("<H", raw[12:]) == (crc16(raw[2:12]),)


@pytest.mark.parametrize("frame, hand_made", [
    # the example frames of docs/rpc.md: header and payload written by hand, CRC by the bitwise reference
    (encode_frame(Cmd.PING, 1), "a5 5a 02 01 01 00 00 00 00 dc 7e"),
    (encode_frame(Cmd.PING | 0x80, 1), "a5 5a 02 81 01 00 00 00 00 fc aa"),
    (encode_frame(Cmd.INFO, 5, b"\x01"), "a5 5a 02 02 05 00 00 01 00 01 6b ba"),
    (encode_frame(Cmd.RUN, 0x0203, b"\x00\x0a\x00\x00\x00"), "a5 5a 02 07 03 02 00 05 00 00 0a 00 00 00 0a cd"),
    (encode_frame(Cmd.READ_OUTPUT | 0x80, 7, status=Status.ERR_ARG), "a5 5a 02 86 07 00 01 00 00 08 98"),
])
def test_documented_frames(frame, hand_made):
    doc = bytes.fromhex(hand_made)
    assert struct.unpack("<H", doc[-2:]) == (crc16_reference(doc[2:-2]),)
    assert frame == doc


def test_roundtrip_and_limits():
    for payload in (b"", b"x", bytes(range(256)) * 2):
        f = Frame(Cmd.WRITE_INPUT | 0x80, 65535, Status.ERR_ARG, payload)
        assert decode_frame(f.encode()) == f
    with pytest.raises(ValueError):
        encode_frame(Cmd.PING, 1, bytes(MAX_PAYLOAD + 1))
    with pytest.raises(ValueError):
        decode_frame(encode_frame(Cmd.PING, 1) + b"\x00")


def test_garbage_before_and_between_frames():
    a, b = encode_frame(Cmd.INFO, 7, b"abc"), encode_frame(Cmd.RUN, 8, b"\xa5\x5a\x01")
    garbage = b"\x00\xff\xa5\xa5\x5a\x02*** Booting ***\r\n\xa5"
    events = StreamDecoder().feed(garbage + a + b"\xa5\x5a" + b)
    frames = [e for e in events if isinstance(e, Frame)]
    assert [(f.cmd, f.seq, f.payload) for f in frames] == [(Cmd.INFO, 7, b"abc"), (Cmd.RUN, 8, b"\xa5\x5a\x01")]


def test_split_frames_byte_by_byte():
    stream = encode_frame(Cmd.PING, 1, b"hello") + encode_frame(Cmd.PING, 2, bytes(500))
    d = StreamDecoder()
    events = []
    for i in range(len(stream)):
        events += d.feed(stream[i : i + 1])
        if i == 4:
            assert d.state is State.HEADER
    assert [(e.seq, len(e.payload)) for e in events] == [(1, 5), (2, 500)]
    assert d.state is State.HUNT and not d.buf


def test_bad_crc_reported_then_next_frame_found():
    bad = bytearray(encode_frame(Cmd.PING, 3, b"data"))
    bad[10] ^= 0x40
    good = encode_frame(Cmd.PING, 4, b"ok")
    events = StreamDecoder().feed(bytes(bad) + good)
    assert events == [BadFrame(Status.ERR_CRC, Cmd.PING, 3), Frame(Cmd.PING, 4, 0, b"ok")]


def test_oversized_length_and_bad_version_rejected():
    over = encode_frame(Cmd.PING, 5)[:7] + struct.pack("<H", MAX_PAYLOAD + 1)
    v1 = bytearray(encode_frame(Cmd.PING, 6))
    v1[2] = 1   # a version-1 host: its payloads have no model index
    good = encode_frame(Cmd.INFO, 9)
    events = StreamDecoder().feed(over + bytes(v1) + good)
    assert events == [BadFrame(Status.ERR_LENGTH, Cmd.PING, 5), BadFrame(Status.ERR_VERSION, Cmd.PING, 6),
                      Frame(Cmd.INFO, 9)]


def test_truncated_frame_swallowing_next_is_recovered():
    """A frame cut short absorbs the next frame's bytes; the CRC check fails and the rescan
    finds the next frame inside."""
    cut = encode_frame(Cmd.WRITE_INPUT, 10, bytes(40))[:20]
    good = encode_frame(Cmd.PING, 11, b"x")
    d = StreamDecoder()
    events = d.feed(cut + good)
    assert events == []  # still waiting for the 40-byte payload
    assert d.header()[:2] == (Cmd.WRITE_INPUT, 10)
    events = d.feed(bytes(40))  # more bytes arrive: the cut frame completes with a bad CRC
    assert events[0] == BadFrame(Status.ERR_CRC, Cmd.WRITE_INPUT, 10)
    assert Frame(Cmd.PING, 11, 0, b"x") in events


def test_timeout_rejects_partial_frame_and_rescans():
    cut = encode_frame(Cmd.WRITE_INPUT, 12, bytes(100))[:30]
    good = encode_frame(Cmd.PING, 13)
    d = StreamDecoder()
    assert d.feed(cut + good) == []
    events = [d.timeout()] + d.feed(b"")
    assert events == [BadFrame(Status.ERR_TRUNCATED, Cmd.WRITE_INPUT, 12), Frame(Cmd.PING, 13)]
    assert d.timeout() is None


def _random_stream(rng: random.Random) -> list[tuple[str, bytes]]:
    """Frames, garbage, corrupted frames, truncations and timeouts, mixed."""
    chunks: list[tuple[str, bytes]] = []
    for _ in range(60):
        kind = rng.choice(["frame", "frame", "garbage", "corrupt", "cut", "timeout", "magic"])
        frame = encode_frame(rng.randrange(256), rng.randrange(65536),
                             bytes(rng.randrange(256) for _ in range(rng.choice([0, 3, 40, 512]))),
                             rng.randrange(9))
        if kind == "frame":
            chunks.append(("B", frame))
        elif kind == "garbage":
            chunks.append(("B", bytes(rng.choice([0xA5, 0x5A, 0x01, 0x00, rng.randrange(256)]) for _ in range(rng.randrange(1, 30)))))
        elif kind == "corrupt":
            b = bytearray(frame)
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            chunks.append(("B", bytes(b)))
        elif kind == "cut":
            chunks.append(("B", frame[: rng.randrange(1, len(frame))]))
        elif kind == "magic":
            chunks.append(("B", b"\xa5\x5a\x01"))
        else:
            chunks.append(("T", b""))
    return chunks


def _python_events(chunks) -> list[str]:
    d, out = StreamDecoder(), []
    for kind, data in chunks:
        events = [d.timeout()] + d.feed(b"") if kind == "T" else d.feed(data)
        for e in events:
            if isinstance(e, Frame):
                out.append(f"F {e.cmd} {e.seq} {e.status} {e.payload.hex()}")
            elif e is not None:
                out.append(f"E {int(e.error)} {-1 if e.cmd is None else e.cmd} {-1 if e.seq is None else e.seq}")
    return out


@pytest.mark.parametrize("seed", range(40))
def test_c_decoder_matches_python(framing_driver, seed):
    chunks = _random_stream(random.Random(seed))
    stdin = b"".join(b"T" if k == "T" else b"B" + struct.pack("<H", len(d)) + d for k, d in chunks)
    proc = subprocess.run([str(framing_driver)], input=stdin, capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stdout[-200:]
    c_events = proc.stdout.decode().splitlines()
    py_events = _python_events(chunks)
    assert c_events == py_events
    assert sum(e.startswith("F") for e in py_events) >= 5 and any(e.startswith("E") for e in py_events)
