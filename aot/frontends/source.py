"""A model's bytes and name, from a path or from bytes (every frontend reads its input so)."""
from __future__ import annotations

from pathlib import Path

from aot.core.errors import ModelError


def read_source(source: bytes | str | Path) -> tuple[bytes, str]:
    """A model's bytes and a name for it (the file's stem, or "model" for bytes)."""
    if not isinstance(source, (str, Path)):
        return bytes(source), "model"
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ModelError(f"cannot read {path}: {e.strerror}") from None
    return data, path.stem
