"""The seed corpus of the RPC fuzz harness (tests/fuzz/rpc_corpus/*.bin): a valid request of each
command for the mock model, a session of several, a truncated frame followed by a PING.
`python -m tests.fuzz.rpc_corpus` rewrites the files (tests/fuzz/test_rpc_fuzz.py checks them)."""
from __future__ import annotations

import struct
from pathlib import Path

from aot.rpc.protocol import Cmd, encode_frame

FOLDER = Path(__file__).parent / "rpc_corpus"


def corpus() -> dict[str, bytes]:
    frames = {
        "ping": encode_frame(Cmd.PING, 1, b"hello"),
        "info": encode_frame(Cmd.INFO, 2, b"\x00"),
        "tensor_info": encode_frame(Cmd.TENSOR_INFO, 3, struct.pack("<BBH", 0, 1, 1)),
        "op_info": encode_frame(Cmd.OP_INFO, 4, struct.pack("<BH", 0, 0)),
        "write_input": encode_frame(Cmd.WRITE_INPUT, 5, struct.pack("<BHI", 0, 0, 990) + bytes(range(10))),
        "read_output": encode_frame(Cmd.READ_OUTPUT, 6, struct.pack("<BHIH", 0, 1, 0, 8)),
        "run": encode_frame(Cmd.RUN, 7, struct.pack("<BI", 0, 2)),
        "profile": encode_frame(Cmd.PROFILE, 8, struct.pack("<BHH", 0, 0, 3)),
        "reset": encode_frame(Cmd.RESET, 9, b"\x00"),
    }
    frames["session"] = b"".join(frames[k] for k in ("write_input", "run", "read_output", "profile", "reset"))
    frames["truncated_then_ping"] = frames["write_input"][:20] + frames["ping"]
    return frames


if __name__ == "__main__":
    FOLDER.mkdir(exist_ok=True)
    for name, data in corpus().items():
        (FOLDER / f"{name}.bin").write_bytes(data)
