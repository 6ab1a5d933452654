"""End to end: the RPC firmware (runtime_c + the mock model of tests/rpc) under QEMU,
driven by aot.rpc.client.RpcClient over the emulated UART."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from board_helpers import QEMU_BOARDS, need_tools

from aot.target.boards import load_board
from aot.target.build import build
from aot.target.session import open_target

pytestmark = pytest.mark.qemu
MOCK_MODEL = Path(__file__).parent.parent / "rpc" / "fixtures" / "mock_model.c"


@pytest.mark.parametrize("name", QEMU_BOARDS)
def test_rpc_over_qemu(name, tmp_path):
    if not MOCK_MODEL.is_file():
        pytest.skip("tests/rpc/fixtures/mock_model.c not present")
    board = load_board(name)
    need_tools(board.cc, board.qemu[0])
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    shutil.copy(MOCK_MODEL, model_dir)
    fw = build(board, model_dir, tmp_path / "build", profile=True)

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
