"""Byte mutants of a model file: bit flips, byte and int32 sets, truncation, chunk duplication.

The int32 sets at 4-aligned offsets stand in for flatbuffer/protobuf field mutation: most
TFLite fields (indices, dims, offsets, options) are 4-byte little-endian integers.
"""
from __future__ import annotations

import struct

import numpy as np

_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF)
_INT32S = (0, 1, -1, 2, 3, 255, 0x7FFF, 0x10000, 0x7FFFFFFF, -0x80000000, 0x7F800000, 0x7FC00000, 1000000)


def _bit_flips(data: bytearray, rng: np.random.Generator) -> None:
    for _ in range(int(rng.integers(1, 9))):
        i = int(rng.integers(len(data)))
        data[i] ^= 1 << int(rng.integers(8))


def _byte_sets(data: bytearray, rng: np.random.Generator) -> None:
    for _ in range(int(rng.integers(1, 5))):
        data[int(rng.integers(len(data)))] = _BYTES[int(rng.integers(len(_BYTES)))]


def _int32_sets(data: bytearray, rng: np.random.Generator) -> None:
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.integers(len(data) // 4)) * 4
        data[i:i + 4] = struct.pack("<i", _INT32S[int(rng.integers(len(_INT32S)))])


def _truncate(data: bytearray, rng: np.random.Generator) -> None:
    del data[int(rng.integers(len(data))):]


def _duplicate_chunk(data: bytearray, rng: np.random.Generator) -> None:
    start = int(rng.integers(len(data)))
    size = int(rng.integers(1, 65))
    at = int(rng.integers(len(data)))
    data[at:at] = data[start:start + size]


MUTATORS = {f.__name__.lstrip("_"): f for f in (_bit_flips, _byte_sets, _int32_sets, _truncate, _duplicate_chunk)}


def mutate(model: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    """(mutator name, mutated copy of ``model``)."""
    name = list(MUTATORS)[int(rng.integers(len(MUTATORS)))]
    data = bytearray(model)
    if data:
        MUTATORS[name](data, rng)
    return name, bytes(data)
