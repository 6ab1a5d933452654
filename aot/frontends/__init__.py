"""Model importers: each turns a file into an aot.core.ir.Graph."""
from __future__ import annotations

from pathlib import Path

from aot.core.errors import ModelError, UnsupportedError
from aot.core.ir import Graph

_TENSORFLOW = {".pb": "frozen graph or SavedModel .pb", ".h5": "Keras HDF5", ".keras": "Keras"}


def load_model(path: str | Path) -> Graph:
    """Import a model by its file extension; raises ModelError / UnsupportedError."""
    g, problems = read_model(path)
    if problems:
        raise UnsupportedError(problems)
    return g


def read_model(path: str | Path) -> tuple[Graph, list[tuple[str, str, str]]]:
    """Import a model and list its problems (location, operator, reason) instead of raising."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in _TENSORFLOW or (path / "saved_model.pb").is_file():
        raise ModelError(f"{path}: a TensorFlow/Keras model ({_TENSORFLOW.get(suffix, 'SavedModel')}); convert it to "
                         ".tflite with the TFLite converter (tf.lite.TFLiteConverter), then compile the .tflite")
    if path.is_dir():
        raise ModelError(f"{path}: a directory, not a model file (expected .tflite or .onnx)")
    if path.stat().st_size == 0:  # an empty .onnx parses as an empty ModelProto: say what it is
        raise ModelError(f"{path}: an empty file (0 bytes), not a model")
    if suffix == ".tflite":
        from aot.frontends.tflite import read_tflite

        return read_tflite(path)
    if suffix == ".onnx":
        from aot.frontends.onnx import read_onnx

        return read_onnx(path)
    raise ModelError(f"{path}: unknown model format {suffix!r} (expected .tflite or .onnx)")
