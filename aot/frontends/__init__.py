"""Model importers: each turns a file into an aot.ir.Graph."""
from __future__ import annotations

from pathlib import Path

from aot.errors import ModelError
from aot.ir import Graph


def load_model(path: str | Path) -> Graph:
    """Import a model by its file extension (.tflite; .onnx once the ONNX frontend exists)."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".tflite":
        from aot.frontends.tflite import load_tflite

        return load_tflite(path)
    raise ModelError(f"{path}: unknown model format {suffix!r} (expected .tflite)")
