"""Helpers of the ONNX model tests: the bundled models, onnxruntime, static QDQ quantisation,
and running a model through our NumPy reference and generated C on the host."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from aot.driver.compiler import compile_file
from aot.driver.reference import run_graph
from aot.driver.runner import RunResult, compare, run_on_board
from aot.target.boards import load_board

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models" / "onnx"


def read_pb(path: Path) -> np.ndarray:
    t = onnx.TensorProto()
    t.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(t)


def onnxruntime_outputs(path: Path, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)


def assert_float_close(got: np.ndarray, want: np.ndarray, what: str, rtol: float = 1e-4) -> float:
    """|got - want| <= 1e-5 + rtol * max|want| (aot/driver/runner.py's tolerance); returns the max diff."""
    c = compare(what, got.astype(np.float32), np.asarray(want, dtype=np.float32))
    tol = 1e-5 + rtol * float(np.abs(want).max(initial=0.0))
    assert c.max_abs_diff <= tol, f"{what}: max |diff| {c.max_abs_diff:g} > {tol:g}"
    return c.max_abs_diff


def run_host(path: Path, feeds: dict[str, np.ndarray], build_dir: Path) -> RunResult:
    """Compile ``path``, run it on the host board and compare with the NumPy reference."""
    cm = compile_file(path)
    result = run_on_board(cm, load_board("host"), feeds, build_dir=build_dir)
    assert result.match, [(c.name, c.max_abs_diff, c.tolerance) for c in result.comparisons]
    return result


def reference(path: Path, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    g = compile_file(path).graph
    out = run_graph(g, feeds)
    return [out[n] for n in g.outputs]


def quantize_qdq(src: Path, dst: Path, input_shape, seed: int = 0, activations: str = "QInt8") -> Path:
    """Static QDQ quantisation (activations int8, or uint8 given activations="QUInt8"; weights
    int8 per channel) by onnxruntime, calibrated on uniform [0, 1) inputs; the model is moved to
    opset 13 first."""
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    m = onnx.load(str(src))
    if {o.domain: o.version for o in m.opset_import}.get("", 0) < 13:
        m = version_converter.convert_version(m, 13)
    float_path = dst.with_suffix(".float.onnx")
    onnx.save(m, str(float_path))
    inits = {i.name for i in m.graph.initializer}
    name = next(i.name for i in m.graph.input if i.name not in inits)
    rng = np.random.default_rng(seed)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{name: rng.uniform(0, 1, input_shape).astype(np.float32)} for _ in range(16)])

        def get_next(self):
            return next(self.batches, None)

    quantize_static(str(float_path), str(dst), Reader(), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType[activations], weight_type=QuantType.QInt8, per_channel=True)
    return dst
