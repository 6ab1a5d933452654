"""The RPC end to end: runtime_c + boards/host + a mock model, behind a pty (HostSession)."""
from __future__ import annotations

import os
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from aot.core.errors import RunError
from aot.rpc import RpcClient, RpcClosed, RpcCrcError, RpcFrameError, RpcRemoteError, RpcTimeout
from aot.rpc.protocol import MAX_PAYLOAD, Cmd, Frame, Status, StreamDecoder, encode_frame
from aot.target.host import HostSession


@pytest.fixture
def session(mock_firmware):
    with HostSession(mock_firmware) as s:
        yield s


@pytest.fixture
def client(session):
    with session.client(timeout=3.0) as c:
        yield c


def test_ping_and_info(client, session):
    assert client.ping() < 1.0
    assert client.ping(b"\x00\xa5\x5a" * 100) < 1.0
    info = client.info()
    assert (info["name"], info["board"], info["counter_unit"]) == ("mock_model", "host", "ns")
    assert info["hash"] == "0123456789abcdef" * 4
    assert (info["arena_bytes"], info["n_ops"], info["profiling"], info["max_payload"]) == (2032, 3, True, MAX_PAYLOAD)
    assert (info["index"], info["n_models"], info["state_bytes"]) == (0, 1, 4)
    assert info["inputs"] == [{"name": "x", "dtype": "int8", "shape": (1, 1000), "scale": 0.5, "zero_point": -3,
                               "offset": 0, "bytes": 1000}]
    assert [(o["name"], o["dtype"], o["shape"], o["offset"], o["bytes"]) for o in info["outputs"]] == [
        ("y", "int8", (1, 1000), 1008, 1000), ("stats", "float32", (1, 2), 2016, 8)]
    assert client.op_info() == [{"name": "add_one", "macs": 1000}, {"name": "reduce_sum", "macs": 1000},
                                {"name": "reduce_max", "macs": 1000}]
    assert session.alive()


def test_chunked_write_run_read(client):
    rng = np.random.default_rng(1)
    x = rng.integers(-128, 128, size=1000, dtype=np.int8)
    x[0] = 7
    client.write_input(0, x.tobytes())  # 2 chunks of 505 bytes
    result = client.run()
    assert result["status"] == 0 and result["repeat"] == 1
    assert result["counter"] == result["per_inference"] == result["min"] == result["max"] > 0
    y = np.frombuffer(client.read_output(0), np.int8)
    assert len(y) == 1000
    np.testing.assert_array_equal(y, (x.astype(np.int16) + 1).astype(np.int8))
    stats = np.frombuffer(client.read_output(1), "<f4")
    assert stats.tolist() == [float(x.astype(np.int32).sum()), float(x.max())]
    assert client.read_output(0, offset=510, length=300) == y[510:810].tobytes()
    # rewrite only a middle part
    client.write_input(0, b"\x10" * 20, offset=600)
    client.run()
    assert client.read_output(0, offset=595, length=30) == (y[595:600].tobytes() + b"\x11" * 20 + y[620:625].tobytes())


def test_run_repeat_and_profile(client):
    client.write_input(0, bytes(1000))
    r = client.run(repeat=20)
    assert (r["status"], r["repeat"]) == (0, 20)
    assert 0 < r["min"] <= r["per_inference"] <= r["max"]
    assert r["per_inference"] == r["counter"] // 20
    assert r["min"] * 20 <= r["counter"] <= r["max"] * 20
    prof = client.profile()
    assert len(prof) == 3 and all(v > 0 for v in prof)
    assert prof[1] > prof[0]  # reduce_sum burns 20x the busy loop of add_one
    assert sum(prof) <= r["max"]


def test_invoke_converts_and_checks(client):
    x = np.arange(1000, dtype=np.int32) % 100 - 50  # int32 values in int8 range: converted
    outputs, per_inference = client.invoke([x])
    assert per_inference > 0
    assert outputs[0].dtype == np.int8 and outputs[0].shape == (1, 1000)
    np.testing.assert_array_equal(outputs[0][0], x + 1)
    assert outputs[1].dtype == np.float32 and outputs[1].tolist() == [[float(x.sum()), 49.0]]
    with pytest.raises(RunError, match="shape"):
        client.invoke([np.zeros((2, 500), np.int8)])
    with pytest.raises(RunError, match="range"):
        client.invoke([np.full(1000, 300)])
    with pytest.raises(RunError, match="convert"):
        client.invoke([np.zeros(1000, np.float32)])
    with pytest.raises(RunError, match="takes 1 inputs"):
        client.invoke([])


def test_reset(client):
    client.reset()  # the mock's 4-byte state (runs since the last reset) back to 0
    assert client.run()["status"] == 0
    client.reset()
    assert client.ping(b"next") < 1.0


def test_model_failure_is_a_status(client):
    client.write_input(0, bytes([100]) + bytes(999))
    r = client.run(repeat=5)
    assert (r["status"], r["repeat"]) == (2, 1)  # stops at the first failure
    with pytest.raises(RpcRemoteError) as e:
        client.invoke([np.full(1000, 100, np.int8)])
    assert e.value.status == Status.ERR_MODEL


def test_run_repeat_is_capped(client):
    """AOT_RPC_MAX_REPEAT = 1000 (docs/rpc.md): one frame cannot keep the device busy for days."""
    client.write_input(0, bytes(1000))
    for repeat in (0xFFFFFFFF, 1001):
        t0 = time.monotonic()
        with pytest.raises(RpcRemoteError) as e:
            client.run(repeat=repeat)
        assert e.value.status == Status.ERR_ARG and time.monotonic() - t0 < 1.0  # refused, nothing ran
    assert client.run(repeat=1000)["repeat"] == 1000


@pytest.mark.parametrize("call, status", [
    (lambda c: c.write_input(1, b"x"), Status.ERR_ARG),
    (lambda c: c.write_input(0, b"x", offset=1000), Status.ERR_ARG),
    (lambda c: c.write_input(0, bytes(10), offset=995), Status.ERR_ARG),
    (lambda c: c.read_output(2, 0, 1), Status.ERR_ARG),
    (lambda c: c.read_output(1, 4, 5), Status.ERR_ARG),
    (lambda c: c.run(repeat=0), Status.ERR_ARG),
    (lambda c: c.tensor_info(2, 0), Status.ERR_ARG),
    (lambda c: c.call(0x42), Status.ERR_COMMAND),
    (lambda c: c.call(Cmd.RUN, b"\x00\x01"), Status.ERR_LENGTH),
    (lambda c: c.call(Cmd.INFO, b"\x00\x01"), Status.ERR_LENGTH),
    (lambda c: c.call(Cmd.INFO), Status.ERR_LENGTH),   # no model index
    (lambda c: c.call(Cmd.RUN), Status.ERR_LENGTH),
    # model index 1 on a one-model firmware: every model command
    (lambda c: c.model_info(1), Status.ERR_ARG),
    (lambda c: c.tensor_info(0, 0, model=1), Status.ERR_ARG),
    (lambda c: c.call(Cmd.OP_INFO, b"\x01\x00\x00"), Status.ERR_ARG),
    (lambda c: c.write_input(0, b"x", model=1), Status.ERR_ARG),
    (lambda c: c.call(Cmd.READ_OUTPUT, struct.pack("<BHIH", 1, 0, 0, 1)), Status.ERR_ARG),
    (lambda c: c.run(model=1), Status.ERR_ARG),
    (lambda c: c.call(Cmd.PROFILE, struct.pack("<BHH", 255, 0, 1)), Status.ERR_ARG),
    (lambda c: c.reset(model=1), Status.ERR_ARG),
    (lambda c: c.call(Cmd.RESET, b"\x00\x00"), Status.ERR_LENGTH),
    (lambda c: c.call(Cmd.RESET), Status.ERR_LENGTH),
])
def test_bad_requests_get_typed_errors(client, call, status):
    with pytest.raises(RpcRemoteError) as e:
        call(client)
    assert e.value.status == status
    assert client.ping(b"next") < 1.0


def test_two_models_served_by_index(mock_two_models):
    with HostSession(mock_two_models) as s, s.client(timeout=3.0) as c:
        assert [(m["index"], m["name"], m["hash"], m["arena_bytes"], m["n_models"]) for m in c.models()] == [
            (0, "mock_model", "0123456789abcdef" * 4, 2032, 2), (1, "double", "fedcba9876543210", 16, 2)]
        assert [m["state_bytes"] for m in c.models()] == [4, 0]
        c.reset(model=1)  # no state: nothing to do
        info = c.info(1)
        assert info["inputs"] == [{"name": "u", "dtype": "int16", "shape": (4,), "scale": 0.0, "zero_point": 0,
                                   "offset": 0, "bytes": 8}]
        assert c.op_info(model=1) == [{"name": "mul2", "macs": 4}]
        (v,), _ = c.invoke([np.array([1, -2, 300, -16000], np.int16)], model=1)
        assert v.tolist() == [2, -4, 600, -32000]
        x = np.arange(1000) % 50 - 20
        (y, stats), _ = c.invoke([x], model=0)   # model 0 is untouched by model 1's runs
        np.testing.assert_array_equal(y[0], x + 1)
        assert c.profile(model=0)[1] > 0
        for call in (lambda: c.model_info(2), lambda: c.run(model=2), lambda: c.write_input(0, bytes(8), model=2),
                     lambda: c.tensor_info(0, 0, model=200)):
            with pytest.raises(RpcRemoteError) as e:
                call()
            assert e.value.status == Status.ERR_ARG
        with pytest.raises(RpcRemoteError) as e:   # input 0 of "double" holds 8 bytes, not 1000
            c.write_input(0, bytes(1000), model=1)
        assert e.value.status == Status.ERR_ARG


def test_profile_unsupported_without_profiling(mock_firmware_noprofile):
    with HostSession(mock_firmware_noprofile) as s, s.client() as c:
        assert c.info()["profiling"] is False
        c.write_input(0, bytes(1000))
        assert c.run()["status"] == 0
        with pytest.raises(RpcRemoteError) as e:
            c.profile()
        assert e.value.status == Status.ERR_UNSUPPORTED


# ---- faults injected on the line, device side

def _raw(client, data: bytes, cmd: int, seq: int) -> RpcRemoteError:
    client.send_raw(data)
    with pytest.raises(RpcRemoteError) as e:
        client.await_reply(cmd, seq, timeout=2.0)
    return e.value


def test_garbage_is_skipped(client):
    client.send_raw(b"\x00\xff\xa5\x13garbage\xa5\x5a")
    assert client.ping(b"after garbage") < 1.0


@pytest.mark.parametrize("where", [7, 9, 12, -2, -1])  # length, payload, CRC bytes
def test_corrupted_request_gets_crc_error(client, where):
    seq = client.next_seq()
    frame = bytearray(encode_frame(Cmd.PING, seq, b"payload"))
    frame[where] ^= 0x01
    assert _raw(client, bytes(frame), Cmd.PING, seq).status in ((Status.ERR_CRC,) if where != 7 else
                                                              (Status.ERR_CRC, Status.ERR_TRUNCATED))
    assert client.ping(b"link ok") < 1.0


def test_wrong_version_rejected(client):
    seq = client.next_seq()
    frame = bytearray(encode_frame(Cmd.PING, seq))
    frame[2] = 1   # the protocol before several models
    assert _raw(client, bytes(frame), Cmd.PING, seq).status == Status.ERR_VERSION
    assert client.ping(b"link ok") < 1.0


def test_oversized_length_rejected(client):
    seq = client.next_seq()
    header = encode_frame(Cmd.WRITE_INPUT, seq)[:7] + struct.pack("<H", MAX_PAYLOAD + 1)
    assert _raw(client, header + bytes(64), Cmd.WRITE_INPUT, seq).status == Status.ERR_LENGTH
    client.write_input(0, bytes(1000))
    assert client.run()["status"] == 0


def test_truncated_request_times_out_on_device(client):
    seq = client.next_seq()
    t0 = time.monotonic()
    assert _raw(client, encode_frame(Cmd.WRITE_INPUT, seq, bytes(100))[:30], Cmd.WRITE_INPUT, seq).status == Status.ERR_TRUNCATED
    assert 0.3 < time.monotonic() - t0 < 1.5  # AOT_RPC_BYTE_TIMEOUT_MS = 500
    assert client.ping() < 1.0


def test_truncated_request_followed_at_once_by_the_next(client):
    client.send_raw(encode_frame(Cmd.WRITE_INPUT, client.next_seq(), bytes(100))[:30])
    assert client.ping(b"still there") < 2.0  # the device rescans the broken frame's bytes
    assert client.info()["name"] == "mock_model"


# ---- faults on the reply side: a scripted fake device on a pty

class FakeDevice:
    """Answers requests through ``script(frame, n) -> bytes`` (n = index of the request)."""

    def __init__(self, script):
        self.master, slave = os.openpty()
        import tty
        tty.setraw(slave)
        self.url = os.ttyname(slave)
        self._slave = slave
        self.script = script
        self.requests: list[Frame] = []
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        import select
        decoder = StreamDecoder()
        while not self._stop:
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            for ev in decoder.feed(data):
                if isinstance(ev, Frame):
                    self.requests.append(ev)
                    os.write(self.master, self.script(ev, len(self.requests) - 1))

    def close(self):
        self._stop = True
        self._thread.join()
        os.close(self.master)
        os.close(self._slave)


def _reply(req: Frame, payload: bytes = b"", status: int = 0, seq: int | None = None) -> bytes:
    return encode_frame(req.cmd | 0x80, req.seq if seq is None else seq, payload, status)


@pytest.fixture
def fake():
    devices = []

    def make(script):
        devices.append(FakeDevice(script))
        return devices[-1]
    yield make
    for d in devices:
        d.close()


def test_corrupted_reply_is_retried(fake):
    def script(req, n):
        good = _reply(req, req.payload)
        return good[:-1] + bytes([good[-1] ^ 0xFF]) if n == 0 else good
    dev = fake(script)
    with RpcClient(dev.url, timeout=2.0) as c:
        assert c.ping(b"abc") < 1.0
    assert len(dev.requests) == 2 and dev.requests[0].seq != dev.requests[1].seq


def test_corrupted_reply_without_retries_raises_crc_error(fake):
    dev = fake(lambda req, n: _reply(req)[:-1] + b"\x00")
    with RpcClient(dev.url, timeout=2.0, retries=0) as c:
        t0 = time.monotonic()
        with pytest.raises(RpcCrcError):
            c.ping()
        assert time.monotonic() - t0 < 1.0  # reported at once, not at the timeout


def test_truncated_reply_raises_frame_error(fake):
    dev = fake(lambda req, n: _reply(req, bytes(50))[:30])
    with RpcClient(dev.url, timeout=0.5, retries=0) as c, pytest.raises(RpcFrameError, match="truncated"):
        c.ping()
    assert len(dev.requests) == 1


def test_garbage_and_stale_replies_are_skipped(fake):
    def script(req, n):
        return (b"*** Booting Zephyr ***\r\n\xa5\x5a" + _reply(req, b"stale", seq=req.seq - 1)
                + _reply(Frame(Cmd.INFO, req.seq), b"wrong cmd") + _reply(req, req.payload))
    dev = fake(script)
    with RpcClient(dev.url, timeout=2.0, retries=0) as c:
        assert c.ping(b"fresh") < 1.0


def test_run_is_not_resent_after_a_lost_reply(fake):
    dev = fake(lambda req, n: b"")  # never answers
    with RpcClient(dev.url, timeout=0.6) as c:
        with pytest.raises(RpcTimeout):
            c.run()
        assert len(dev.requests) == 1
        t0 = time.monotonic()
        with pytest.raises(RpcTimeout):
            c.ping()
        assert 0.5 < time.monotonic() - t0 < 1.0  # the whole budget, split over 3 attempts
    assert len(dev.requests) == 4


def test_run_is_resent_when_the_device_saw_a_bad_crc(fake):
    def script(req, n):
        return _reply(req, status=Status.ERR_CRC) if n == 0 else _reply(req, struct.pack("<iIQIII", 0, 1, 5, 5, 5, 5))
    dev = fake(script)
    with RpcClient(dev.url, timeout=2.0) as c:
        assert c.run()["counter"] == 5
    assert [r.cmd for r in dev.requests] == [Cmd.RUN, Cmd.RUN]


# ---- dead and silent devices

def test_silent_device_times_out():
    with HostSession(Path("/bin/sh"), ["-c", "cat >/dev/null"]) as s, s.client(timeout=1.0) as c:
        t0 = time.monotonic()
        with pytest.raises(RpcTimeout):
            c.ping()
        assert 0.9 < time.monotonic() - t0 < 1.5
        assert s.alive()


def test_device_dies_mid_run(session, client):
    client.write_input(0, bytes([101]) + bytes(999))
    t0 = time.monotonic()
    with pytest.raises(RpcClosed):
        client.run()
    assert time.monotonic() - t0 < 1.0
    assert session.wait(2.0) == 3 and not session.alive()
    with pytest.raises(RpcClosed, match="exited with code 3"):
        session.check()
    with pytest.raises(RpcClosed):
        client.ping()


def test_killed_device_closes_plain_client(session):
    with RpcClient(session.url, timeout=3.0) as c:  # no liveness probe: the pty hangs up
        assert c.ping() < 1.0
        session.kill()
        t0 = time.monotonic()
        with pytest.raises(RpcClosed):
            c.ping()
        assert time.monotonic() - t0 < 1.0


def test_hung_device_times_out_without_resending_run(session, client):
    client.write_input(0, bytes([102]) + bytes(999))
    t0 = time.monotonic()
    with pytest.raises(RpcTimeout):
        client.run(timeout=0.8)
    assert 0.7 < time.monotonic() - t0 < 1.3
    assert session.alive()


def test_session_kills_its_process_on_exceptions(mock_firmware):
    with pytest.raises(ZeroDivisionError):
        with HostSession(mock_firmware) as s:
            pid = s.process.pid
            assert s.alive()
            1 / 0
    assert not s.alive() and s.process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_firmware_exits_when_the_host_process_is_killed(mock_firmware):
    """No orphan even if Python dies without cleaning up: the pty hangs up, the HAL exits."""
    import subprocess
    import sys
    code = ("import sys, time\nfrom aot.target.host import HostSession\n"
            "s = HostSession(sys.argv[1]).start()\ns.client().ping()\n"
            "print(s.process.pid, flush=True)\ntime.sleep(60)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    parent = subprocess.Popen([sys.executable, "-c", code, str(mock_firmware)], stdout=subprocess.PIPE, env=env)
    try:
        fw_pid = int(parent.stdout.readline())
        assert Path(f"/proc/{fw_pid}").exists()
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()

    def running() -> bool:
        try:
            return Path(f"/proc/{fw_pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False
    deadline = time.monotonic() + 3.0
    while running() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not running()
