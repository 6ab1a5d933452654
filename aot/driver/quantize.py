"""`microaot quantize`: post-training static quantisation of a float model, calibrated on a dataset,
by a maintained quantiser: onnxruntime's for ONNX (this module), ai-edge-quantizer's for TFLite
(aot/driver/quantize_tflite.py). Both are optional dependencies, imported where they are used
(the "quantize" and "quantize-tflite" extras).

ONNX: onnxruntime.quantization.quantize_static in the QDQ format, int8 activations (asymmetric, the
calibrated ranges) and int8 weights, symmetric, per output channel (or per tensor), with no reduced
range (7-bit weights are for x86 overflow; TFLite arithmetic needs none) and int32 biases: exactly
what aot/passes/qdq.py folds into our int8 kernels. The model is first moved to opset 13 (per-channel
QDQ needs it) and through onnxruntime's pre-processing (shape inference, BatchNormalization folded
into the convolution before it, so the pair quantises as one kernel).

The calibration samples are read as ``microaot validate --data`` reads its data (.npz keyed by
input name, or one array for a one-input model; first axis = samples), float only."""
from __future__ import annotations

import contextlib
import inspect
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper, version_converter

from aot.core.errors import AotError
from aot.core.ir import Graph
from aot.driver.inputs import read_arrays
from aot.driver.quantize_tflite import quantize_tflite
from aot.driver.validate import dataset
from aot.frontends import read_model

METHODS = ("minmax", "entropy", "percentile")
_ONNX_METHODS = {"minmax": "MinMax", "entropy": "Entropy", "percentile": "Percentile"}
MIN_OPSET = 13  # per-channel QDQ (DequantizeLinear's axis)


@dataclass
class Quantized:
    model: str
    output: str
    quantizer: str  # the library and its version
    method: str
    per_channel: bool
    samples: int
    float_bytes: int
    int8_bytes: int

    def to_json(self) -> dict:
        return dict(self.__dict__)


def quantize(model: str | Path, calibration: str | Path, output: str | Path, *, per_channel: bool = True,
             method: str = "minmax", samples: int | None = None, progress=None) -> Quantized:
    """Quantise the float ``model`` (.onnx or .tflite) to ``output``; ``progress(text)`` is told each step."""
    model, output = Path(model), Path(output)
    if method not in METHODS:
        raise AotError(f"unknown calibration method {method!r} (choose from {', '.join(METHODS)})")
    if samples is not None and samples < 1:
        raise AotError(f"--samples must be at least 1, got {samples}")
    if not model.is_file():
        raise AotError(f"{model}: no such model file")
    if output.resolve() == model.resolve():
        raise AotError(f"{output}: -o would overwrite the float model; give another file")
    say = progress or (lambda text: None)
    if model.suffix == ".tflite":
        return _quantize_tflite(model, calibration, output, per_channel, method, samples, say)
    if model.suffix != ".onnx":
        raise AotError(f"{model}: microaot quantize takes a float .onnx or .tflite model")
    return _quantize_onnx(model, calibration, output, per_channel, method, samples, say)


def _quantize_tflite(model: Path, calibration, output: Path, per_channel: bool, method: str, samples, say) -> Quantized:
    if method != "minmax":
        raise AotError(f"ai-edge-quantizer calibrates a TFLite model by min/max only; --method {method} is for ONNX models")
    g = float_graph(model)
    data, n = calibration_samples(g, calibration, samples)
    quantised, quantizer = quantize_tflite(model.read_bytes(), data, per_channel,
                                           lambda: say(_calibrating(n, method, per_channel)))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(quantised)
    say(f"wrote {output}")
    return Quantized(str(model), str(output), quantizer, method, per_channel, n, model.stat().st_size, len(quantised))


def float_graph(model: Path) -> Graph:
    """The float model's graph as our frontend reads it (for its inputs' names and shapes; an
    operator it does not support is no reason not to quantise); refused if it is not float."""
    g, _ = read_model(model)
    quantised = [n for n, t in g.tensors.items() if t.quant is not None or t.dtype == "int8"]
    if quantised:
        raise AotError(f"{model}: already quantised (tensor {quantised[0]!r} is {g.tensor(quantised[0]).dtype}); "
                       "give the float model")
    for name in g.inputs:
        if g.tensor(name).dtype != "float32":
            raise AotError(f"{model}: input {name!r} is {g.tensor(name).dtype}; quantize takes a float32 model")
    return g


def _calibrating(n: int, method: str, per_channel: bool) -> str:
    return f"calibrating on {n} samples ({method}), int8 weights {'per channel' if per_channel else 'per tensor'} ..."


def calibration_samples(g: Graph, path: str | Path, samples: int | None) -> tuple[dict[str, np.ndarray], int]:
    """The float samples per input name, each (N, *input shape), at most ``samples`` of them (the first)."""
    arrays = read_arrays(g, path, "the calibration data")
    if len(g.inputs) == 1 and len(arrays) == 1:  # one array for a one-input model, whatever its key (np.savez's arr_0)
        arrays = {g.inputs[0]: next(iter(arrays.values()))}
    data, n = dataset(g, arrays, path)
    for name, a in data.items():
        if a.dtype.kind != "f":
            raise AotError(f"calibration data for input {name!r} are {a.dtype}: give the float samples the float model takes")
    n = min(n, samples or n)
    return {k: a[:n].astype(np.float32) for k, a in data.items()}, n


def _quantize_onnx(model: Path, calibration, output: Path, per_channel: bool, method: str, samples, say) -> Quantized:
    try:  # an optional dependency (the "quantize" extra): imported only when an ONNX model is quantised
        import onnxruntime
        from onnxruntime import quantization as ort
    except ImportError:
        raise AotError("quantising an ONNX model needs onnxruntime: pip install microaot[quantize]") from None
    g = float_graph(model)
    proto = onnx.load(str(model))
    float_bytes = proto.ByteSize()  # external data (torch.onnx.export's .onnx.data) included
    data, n = calibration_samples(g, calibration, samples)
    with tempfile.TemporaryDirectory(prefix="microaot-quantize-") as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        proto = _at_least_opset13(proto, model, say)
        onnx.save(proto, str(Path(tmp) / "float.onnx"))
        say("pre-processing (shape inference, BatchNormalization folding) ...")
        try:
            ort.quant_pre_process(str(Path(tmp) / "float.onnx"), str(prepared))
            onnx.save(_flat_gemm_biases(onnx.load(str(prepared))), str(prepared))
            say(_calibrating(n, method, per_channel))
            reader = _reader(ort.CalibrationDataReader, data, n, say)
            options = {}
            if method == "entropy":  # quantize_static's own entropy calibration has as many bins as levels: min/max
                options["calibration_cache_path"] = _entropy_ranges(ort, prepared, reader, Path(tmp))
                reader = None
            output.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.redirect_stdout(io.StringIO()):  # the calibrators print their progress on stdout
                ort.quantize_static(str(prepared), str(output), reader, quant_format=ort.QuantFormat.QDQ,
                                    per_channel=per_channel, reduce_range=False, activation_type=ort.QuantType.QInt8,
                                    weight_type=ort.QuantType.QInt8,
                                    calibrate_method=getattr(ort.CalibrationMethod, _ONNX_METHODS[method]),
                                    extra_options={"WeightSymmetric": True, "ActivationSymmetric": False}, **options)
        except (AotError, OSError):
            raise
        except Exception as e:  # the library's own failure, of any type: one line (the traceback with MICROAOT_DEBUG)
            if os.environ.get("MICROAOT_DEBUG"):
                raise
            raise AotError(f"{model}: onnxruntime's quantiser failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None
    say(f"wrote {output}")
    return Quantized(str(model), str(output), f"onnxruntime {onnxruntime.__version__}", method, per_channel, n,
                     float_bytes, onnx.load(str(output)).ByteSize())


def _at_least_opset13(proto: onnx.ModelProto, model: Path, say) -> onnx.ModelProto:
    """The model moved to opset 13 if it is older (per-channel QDQ needs DequantizeLinear's axis)."""
    opset = {o.domain: o.version for o in proto.opset_import}.get("", 1)
    if opset >= MIN_OPSET:
        return proto
    say(f"converting {model.name} from opset {opset} to {MIN_OPSET} ...")
    proto = version_converter.convert_version(proto, MIN_OPSET)
    # the converter keeps the IR version: IR 3 (mnist-8's) needs initializers listed as graph inputs
    # (shape inference skips those the quantiser adds), and there they are not constants to fold
    proto.ir_version = max(proto.ir_version, onnx.helper.find_min_ir_version_for(proto.opset_import, True))
    weights = {i.name for i in proto.graph.initializer}
    kept = [i for i in proto.graph.input if i.name not in weights]
    del proto.graph.input[:]
    proto.graph.input.extend(kept)
    return proto


def _entropy_ranges(ort, model: Path, reader, tmp: Path) -> Path:
    """Entropy (KL divergence) calibration with 2048 histogram bins for 128 quantised ones (TensorRT's
    method), its activation ranges in a calibration cache file for quantize_static."""
    if "calibration_cache_path" not in inspect.signature(ort.quantize_static).parameters:
        raise AotError("--method entropy needs a newer onnxruntime (quantize_static's calibration_cache_path): "
                       "pip install -U onnxruntime")
    calibrator = ort.create_calibrator(model, None, augmented_model_path=str(tmp / "augmented.onnx"),
                                       calibrate_method=ort.CalibrationMethod.Entropy,
                                       extra_options={"num_bins": 2048, "num_quantized_bins": 128})
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its progress on stdout
        calibrator.collect_data(reader)
        ranges = calibrator.compute_data()
    ort.save_tensors_data(ranges, tmp / "ranges.json")
    return tmp / "ranges.json"


def _reader(base, data: dict[str, np.ndarray], n: int, say):
    """An onnxruntime CalibrationDataReader (``base``) over the samples, telling every tenth and the last."""

    class Reader(base):
        def __init__(self):
            self.i = 0

        def get_next(self):
            if self.i == n:
                return None
            self.i += 1
            if self.i == n or self.i % 10 == 0:
                say(f"calibration sample {self.i}/{n}")
            return {k: a[self.i - 1] for k, a in data.items()}

    return Reader()


def _flat_gemm_biases(proto: onnx.ModelProto) -> onnx.ModelProto:
    """A Gemm bias initializer of shape (1, N) (mnist-8's, after the pre-processing fuses MatMul + Add)
    replaced by a (N,) copy: the same broadcast, and the shape onnxruntime's per-channel bias check
    expects (it fails on the 2-D one)."""
    inits = {i.name: i for i in proto.graph.initializer}
    for node in proto.graph.node:
        bias = inits.get(node.input[2]) if node.op_type == "Gemm" and len(node.input) > 2 else None
        if bias is not None and len(bias.dims) == 2 and bias.dims[0] == 1:
            flat = numpy_helper.from_array(numpy_helper.to_array(bias).reshape(-1), f"{bias.name}_flat")
            proto.graph.initializer.append(flat)
            node.input[2] = flat.name
    used = {name for node in proto.graph.node for name in node.input}
    unused = [i for i in proto.graph.initializer if i.name not in used]  # the 2-D originals
    for i in unused:
        proto.graph.initializer.remove(i)
    return proto
