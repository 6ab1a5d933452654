"""End to end: the RPC firmware (runtime_c + the mock model of tests/rpc) under QEMU,
driven by aot.rpc.client.RpcClient over the emulated UART."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from board_helpers import QEMU_BOARDS, need_tools

from aot.rpc import RpcRemoteError
from aot.rpc.protocol import Cmd, Status, encode_frame
from aot.target.boards import load_board
from aot.target.build import build
from aot.target.session import open_target

pytestmark = pytest.mark.qemu
MOCK_MODEL = Path(__file__).parent.parent / "rpc" / "fixtures" / "mock_model.c"


def _mock_firmware(name, tmp_path, profile):
    """The RPC firmware of the mock model for board ``name``: (board, firmware)."""
    board = load_board(name)
    need_tools(board.cc, board.qemu[0])
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    shutil.copy(MOCK_MODEL, model_dir)
    return board, build(board, model_dir, tmp_path / "build", profile=profile)


@pytest.mark.parametrize("name", QEMU_BOARDS)
def test_rpc_over_qemu(name, tmp_path):
    if not MOCK_MODEL.is_file():
        pytest.skip("tests/rpc/fixtures/mock_model.c not present")
    board, fw = _mock_firmware(name, tmp_path, profile=True)

    with open_target(board, fw.executable) as target:
        client = target.client(timeout=10)
        try:
            client.wait_ready(10)
            assert client.ping(b"hello") >= 0
            info = client.info()
            assert info["board"] == name
            assert info["counter_unit"] == "instructions"
            assert info["name"] == "mock_model"
            x = (np.arange(1000) % 200 - 100).astype(np.int8)
            outputs, per_inference = client.invoke([x])
            assert np.array_equal(outputs[0].ravel(), (x.astype(np.int16) + 1).astype(np.int8))
            profile = client.profile()
            assert len(profile) == 3 and all(p > 0 for p in profile)
            assert sum(profile) <= per_inference
        finally:
            client.close()
        target.check()  # still running


@pytest.mark.parametrize("name", ["qemu-mps2-an386", "qemu-riscv32-virt"])  # the two HALs
def test_partial_frame_recovers_within_a_second_under_qemu(name, tmp_path):
    """The byte timeout runs on the host clock (semihosting SYS_ELAPSED), not on virtual time:
    a partial frame costs AOT_RPC_BYTE_TIMEOUT_MS (500 ms) of wall time, as on hardware."""
    board, fw = _mock_firmware(name, tmp_path, profile=False)
    with open_target(board, fw.executable) as target:
        client = target.client(timeout=30)
        try:
            client.wait_ready(10)
            for pause in (None, 0.1):  # silence after it; a PING 0.1 s later (inside the partial frame)
                seq = client.next_seq()
                partial = encode_frame(Cmd.WRITE_INPUT, seq, bytes(100))[:30]
                t0 = time.monotonic()
                client.send_raw(partial)
                if pause is None:
                    with pytest.raises(RpcRemoteError) as e:
                        client.await_reply(Cmd.WRITE_INPUT, seq, timeout=30)
                    assert e.value.status == Status.ERR_TRUNCATED
                else:
                    time.sleep(pause)
                    assert client.ping(b"after a partial frame") >= 0
                recovery = time.monotonic() - t0
                print(f"partial frame, then {'silence' if pause is None else 'a PING'}: recovered in {recovery:.2f} s")
                assert recovery <= 1.0
        finally:
            client.close()
        target.check()
