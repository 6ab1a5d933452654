"""Every QEMU board boots, its UART works both ways, its counter counts guest instructions
exactly (to within one timer tick), and no emulator outlives its session."""
from __future__ import annotations

import os
import re
import time

import pytest
from board_helpers import QEMU_BOARDS, LineClient, wait_until_dead

from aot.target.boards import load_board
from aot.target.qemu import QemuError, QemuSession

pytestmark = pytest.mark.qemu

# One timer tick is 40 instructions on mps2 (25 MHz), 31.25 on an547 (32 MHz); a difference of
# two reads can be off by one tick each way, plus the `mov` that loads the loop count.
TOLERANCE = 80
LOOPS = (1000, 250_000)  # 2 instructions per iteration (subs + bne)


@pytest.fixture(params=QEMU_BOARDS)
def session(request, count_loop_firmware):
    name = request.param
    fw = count_loop_firmware(name)
    with QemuSession(load_board(name), fw.executable) as s:
        client = LineClient(s.url)
        yield name, s, client
        client.close()


def test_boots_and_uart_echoes_board_name(session):
    name, _, client = session
    assert client.ask("?") == f"{name} instructions"


def test_counter_matches_a_loop_of_known_length(session):
    name, _, client = session
    for n in LOOPS:
        got_n, measured, baseline = map(int, client.ask(str(n)).split())
        assert got_n == n
        error = measured - baseline - 2 * n
        print(f"{name}: N={n} expected {2 * n} measured {measured} - baseline {baseline} -> error {error}")
        assert abs(error) <= TOLERANCE, f"{name}: loop of {2 * n} instructions measured {measured - baseline}"


def test_getc_timeout_is_measured_on_the_host_clock(session):
    """Semihosting SYS_ELAPSED: 300 ms of wall time, however few instructions QEMU runs meanwhile
    (on virtual time a 500 ms byte timeout took ~20 s)."""
    name, _, client = session
    assert client.ask("?").startswith(name)  # booted: the wall time below is the timeout's alone
    t0 = time.monotonic()
    kind, instructions = client.ask("t300").split()
    assert kind == "timeout"
    assert 0.3 <= time.monotonic() - t0 < 1.0
    assert int(instructions) > 0


def test_main_returning_exits_qemu_cleanly(session):
    _, s, client = session
    assert client.ask("q") == "bye"
    assert s.wait(10) == 0
    assert not s.alive()


def test_fault_ends_qemu_and_check_reports_it(session):
    _, s, client = session
    client.sock.sendall(b"f\n")
    assert s.wait(10) == 1
    with pytest.raises(QemuError, match=r"exited with code 1"):
        s.check()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_no_qemu_left_after_session_even_on_error(count_loop_firmware):
    name = QEMU_BOARDS[0]
    fw = count_loop_firmware(name)
    with pytest.raises(RuntimeError, match="test body failed"):
        with QemuSession(load_board(name), fw.executable) as s:
            pid = s.process.pid
            assert s.alive()
            raise RuntimeError("test body failed")
    assert wait_until_dead(pid)
    assert not _group_alive(pid)
    assert s.process.returncode is not None  # reaped: no zombie


def test_parallel_sessions_get_distinct_ports(count_loop_firmware):
    name = QEMU_BOARDS[0]
    fw = count_loop_firmware(name)
    board = load_board(name)
    with QemuSession(board, fw.executable) as a, QemuSession(board, fw.executable) as b:
        assert a.url != b.url
        ca, cb = LineClient(a.url), LineClient(b.url)
        assert ca.ask("?") == cb.ask("?") == f"{name} instructions"
        ca.close()
        cb.close()


def test_qemu_failure_is_reported_with_its_stderr(tmp_path):
    board = load_board(QEMU_BOARDS[0])
    bogus = tmp_path / "not_an_elf.elf"
    bogus.write_bytes(b"\x7fELF garbage")
    with QemuSession(board, bogus) as s:
        s.wait(10)
        with pytest.raises(QemuError) as info:
            s.check()
    # QEMU loads the garbage as a raw image; the core locks up and QEMU aborts, saying why
    assert re.search(r"exited with code [1-9]|killed by SIG", str(info.value))
    assert "Lockup" in str(info.value) or "kernel" in str(info.value)
