"""Broken variants of a valid .tflite model, for error-handling tests.

Never feed these to tflite-micro: it does not verify flatbuffers and may crash.
"""
from __future__ import annotations

import struct

import numpy as np


def malformed_variants(model: bytes, seed: int = 0) -> dict[str, bytes]:
    """name -> corrupted copy of ``model`` (a valid TFLite flatbuffer)."""
    rng = np.random.default_rng(seed)
    n = len(model)
    noise = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    return {
        "empty": b"",
        "header_only": model[:8],
        "truncated_half": model[: n // 2],
        "truncated_tail": model[: n - 16],
        "random_bytes": noise,
        "random_bytes_with_identifier": noise[:4] + b"TFL3" + noise[8:],
        "bad_identifier": model[:4] + b"XXXX" + model[8:],
        "root_offset_out_of_range": struct.pack("<I", n + 1024) + model[4:],
        "zeroed_body": model[:8] + bytes(n - 8),
    }
