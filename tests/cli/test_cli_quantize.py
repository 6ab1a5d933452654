"""`microaot quantize` (issue 13 item 6): a float ONNX CNN quantised by onnxruntime's static QDQ
quantiser on calibration data made here compiles to int8 kernels, runs bit-exact on the host, and
`validate` against the float model reports it close; per-channel weight scales are kept and do
better than per-tensor on weights whose channels differ in range; bad input is one line. The
TFLite path (ai-edge-quantizer, an optional extra) runs where that library is installed."""
import json
import sys

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from aot import cli
from aot.driver.compiler import compile_file
from aot.driver.runner import run_on_board
from aot.target.boards import load_board
from tests.models_list import MODELS_DIR, model_path

N = 24  # calibration samples
SHAPE = (1, 3, 16, 16)


def float_cnn(path, seed=0):
    """Conv -> BatchNormalization -> Relu -> MaxPool -> Conv (output channels spanning 30x in range)
    -> Relu -> MaxPool -> Flatten -> MatMul + Add: 10 logits."""
    rng = np.random.default_rng(seed)
    inits = {"w1": rng.normal(0, 0.3, (8, 3, 3, 3)), "b1": rng.normal(0, 0.1, 8),
             "gamma": rng.uniform(0.5, 1.5, 8), "beta": rng.uniform(-0.2, 0.2, 8),
             "mean": rng.uniform(-0.3, 0.3, 8), "var": rng.uniform(0.5, 2, 8),
             "w2": rng.normal(0, 0.2, (16, 8, 3, 3)) * np.geomspace(0.1, 3, 16).reshape(16, 1, 1, 1),
             "b2": rng.normal(0, 0.1, 16), "wf": rng.normal(0, 0.2, (16 * 4 * 4, 10)), "bf": rng.normal(0, 0.1, 10)}
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["n1"]),
             helper.make_node("Relu", ["n1"], ["r1"]),
             helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c2"], ["r2"]),
             helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p2"], ["f"]), helper.make_node("MatMul", ["f", "wf"], ["m"]),
             helper.make_node("Add", ["m", "bf"], ["y"])]
    graph = helper.make_graph(nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, SHAPE)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
                              [numpy_helper.from_array(v.astype(np.float32), n) for n, v in inits.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


def run_json(capsys, argv):
    code = cli.main([*map(str, argv), "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return code, json.loads(out[0])


def one_error_line(capsys, argv, *words):
    assert cli.main([*map(str, argv)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("microaot: error:"), err
    for w in words:
        assert w in err[0], err[0]


@pytest.fixture(scope="module")
def float_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("quantize")
    rng = np.random.default_rng(6)
    np.savez(d / "x.npz", x=rng.uniform(0, 1, (N, *SHAPE)).astype(np.float32))
    return float_cnn(d / "cnn.onnx"), d


@pytest.fixture(scope="module")
def quantized(float_model):
    """The CNN quantised per channel and per tensor, with each one's --json."""
    path, d = float_model
    result = {}
    for mode in ("per_channel", "per_tensor"):
        out = d / f"cnn_{mode}.onnx"
        argv = ["quantize", path, "--calibration", d / "x.npz", "-o", out, "--json", *(["--per-tensor"] if mode == "per_tensor" else [])]
        assert cli.main(list(map(str, argv))) == 0
        result[mode] = out
    return result


def weight_dequantizers(path):
    """(weight initializer, scale, zero point) of every DequantizeLinear of a constant 2-D/4-D int8 weight."""
    m = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    return [(inits[n.input[0]], inits[n.input[1]], inits[n.input[2]]) for n in m.graph.node
            if n.op_type == "DequantizeLinear" and n.input[0] in inits and inits[n.input[0]].ndim in (2, 4)]


def test_json_and_qdq_nodes(float_model, capsys):
    path, d = float_model
    code, j = run_json(capsys, ["quantize", path, "--calibration", d / "x.npz", "-o", d / "again.onnx", "--samples", 10])
    assert code == 0
    assert set(j) == {"model", "output", "quantizer", "method", "per_channel", "samples", "float_bytes", "int8_bytes"}
    assert j["samples"] == 10 and j["per_channel"] is True and j["method"] == "minmax"
    assert j["quantizer"].startswith("onnxruntime ") and j["int8_bytes"] < j["float_bytes"]
    m = onnx.load(str(d / "again.onnx"))
    kinds = [n.op_type for n in m.graph.node]
    assert "QuantizeLinear" in kinds and "DequantizeLinear" in kinds
    assert "BatchNormalization" not in kinds  # folded into the convolution before quantising
    weights = weight_dequantizers(d / "again.onnx")
    convs = [(w, s, z) for w, s, z in weights if w.ndim == 4]
    assert len(convs) == 2 and all(w.dtype == np.int8 for w, _, _ in weights)
    for w, scale, zero in convs:  # per output channel, symmetric
        assert scale.shape == (w.shape[0],) and not zero.any()
        assert np.abs(w).reshape(w.shape[0], -1).max(1).min() >= 126  # each channel uses the int8 range
    w2_scale = convs[1][1]
    assert w2_scale.max() / w2_scale.min() > 10  # the channels' ranges were kept apart


def test_per_tensor(quantized):
    for w, scale, zero in weight_dequantizers(quantized["per_tensor"]):
        assert scale.size == 1 and not zero.any()


def test_compiles_to_int8_and_runs_bit_exact(quantized, tmp_path):
    cm = compile_file(quantized["per_channel"])
    g = cm.graph
    kernels = [op for op in g.ops if op.kind in ("conv2d", "fully_connected")]
    assert len(kernels) == 3 and all(g.tensor(op.inputs[0]).dtype == "int8" for op in kernels), \
        [(op.kind, g.tensor(op.inputs[0]).dtype) for op in g.ops]
    assert g.tensor(kernels[1].inputs[1]).quant.scale.size == 16  # per-channel weights reach the kernel
    x = np.random.default_rng(3).uniform(0, 1, SHAPE).astype(np.float32)
    result = run_on_board(cm, load_board("host"), {g.inputs[0]: x}, build_dir=tmp_path)
    assert result.passes_match and result.passes_max_abs_diff == 0.0


def test_validate_against_float(float_model, quantized, capsys):
    path, d = float_model
    metrics = {}
    for mode, q in quantized.items():
        code, j = run_json(capsys, ["validate", q, "--data", d / "x.npz", "--reference", path])
        assert code == 0 and j["bit_exact"] and j["samples"] == N
        metrics[mode] = j["outputs"][0]
    pc, pt = metrics["per_channel"], metrics["per_tensor"]
    assert pc["cosine"] > 0.995 and pc["top1_agreement"] >= 0.9, pc
    assert pt["cosine"] > 0.95, pt
    # cosine ignores scale: the error must also be small against the logits' size (onnxruntime's float run)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits = np.stack([session.run(None, {"x": x})[0] for x in np.load(d / "x.npz")["x"]])
    rms = float(np.sqrt(np.mean(logits.astype(np.float64) ** 2)))
    assert pc["rmse"] < 0.03 * rms and pt["rmse"] < 0.05 * rms, (pc, pt, rms)
    assert pc["rmse"] < pt["rmse"], (pc, pt)  # per-channel scales pay off on channels 30x apart


def activation_scales(path):
    """The scale of every QuantizeLinear (the activations'), by its input's name."""
    m = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    return {n.input[0]: float(inits[n.input[1]]) for n in m.graph.node if n.op_type == "QuantizeLinear"}


def test_methods_and_progress(float_model, quantized, tmp_path, capsys):
    path, d = float_model
    minmax = activation_scales(quantized["per_channel"])
    for method in ("entropy", "percentile"):
        argv = ["quantize", path, "--calibration", d / "x.npz", "-o", tmp_path / f"{method}.onnx", "--method", method]
        assert cli.main(list(map(str, argv))) == 0
        captured = capsys.readouterr()
        assert f"calibrating on {N} samples ({method})" in captured.err and f"calibration sample {N}/{N}" in captured.err
        assert captured.out.startswith("quantised") and "microaot validate" in captured.out  # nothing else on stdout
        assert len(weight_dequantizers(tmp_path / f"{method}.onnx")) == 3
        scales = activation_scales(tmp_path / f"{method}.onnx")
        assert scales.keys() == minmax.keys()
        assert all(scales[k] <= minmax[k] * 1.0001 for k in scales)  # a range within the observed one ...
        # ... and narrower somewhere (entropy: a ReLU output's long tail clipped, by a quarter or more here)
        assert min(scales[k] / minmax[k] for k in scales) < (0.8 if method == "entropy" else 1), (scales, minmax)
    code, j = run_json(capsys, ["quantize", path, "--calibration", d / "x.npz", "-o", tmp_path / "e.onnx", "--method", "entropy"])
    assert code == 0 and j["method"] == "entropy"
    assert cli.main(list(map(str, ["quantize", path, "--calibration", d / "x.npz", "-o", tmp_path / "q.onnx", "-q"]))) == 0
    assert capsys.readouterr().err == ""


def test_one_unnamed_array_for_one_input(float_model, tmp_path, capsys):
    path, d = float_model
    np.savez(tmp_path / "x.npz", np.load(d / "x.npz")["x"][:4])  # key arr_0
    code, j = run_json(capsys, ["quantize", path, "--calibration", tmp_path / "x.npz", "-o", tmp_path / "q.onnx"])
    assert code == 0 and j["samples"] == 4


@pytest.mark.parametrize("data, words", [
    ({"a": np.zeros((4, *SHAPE), np.float32), "b": np.zeros((4, *SHAPE), np.float32)}, ("are not the model inputs", "'x'")),
    ({"x": np.zeros((4, 1, 3, 8, 8), np.float32)}, ("input 'x'", "expected float32[1, 3, 16, 16]")),
    ({"x": np.zeros((0, *SHAPE), np.float32)}, ("no samples",)),
    ({"x": np.zeros((4, *SHAPE), np.int8)}, ("input 'x'", "int8", "float samples")),
])
def test_bad_calibration_is_one_line(float_model, tmp_path, capsys, data, words):
    path, _ = float_model
    np.savez(tmp_path / "bad.npz", **data)
    one_error_line(capsys, ["quantize", path, "--calibration", tmp_path / "bad.npz", "-o", tmp_path / "q.onnx"], *words)
    assert not (tmp_path / "q.onnx").exists()


def test_bad_models_are_one_line(float_model, quantized, tmp_path, capsys):
    path, d = float_model
    x = d / "x.npz"
    one_error_line(capsys, ["quantize", quantized["per_channel"], "--calibration", x, "-o", tmp_path / "q.onnx"], "already quantised")
    one_error_line(capsys, ["quantize", model_path("kws_ref_model_int8"), "--calibration", x, "-o", tmp_path / "q.tflite"],
                   "already quantised")
    one_error_line(capsys, ["quantize", tmp_path / "none.onnx", "--calibration", x, "-o", tmp_path / "q.onnx"], "no such model file")
    one_error_line(capsys, ["quantize", path, "--calibration", x, "-o", tmp_path / "q.onnx", "--samples", 0], "--samples")
    one_error_line(capsys, ["quantize", path, "--calibration", x, "-o", path], "would overwrite the float model")
    (tmp_path / "m.pb").write_bytes(b"x")
    one_error_line(capsys, ["quantize", tmp_path / "m.pb", "--calibration", x, "-o", tmp_path / "q.onnx"], ".onnx or .tflite")


def test_missing_libraries_are_one_line(float_model, tmp_path, capsys, monkeypatch):
    path, d = float_model
    for name in ("onnxruntime", "onnxruntime.quantization", "ai_edge_quantizer", "ai_edge_litert", "ai_edge_litert.tools"):
        monkeypatch.setitem(sys.modules, name, None)  # `import` of it raises ImportError
    one_error_line(capsys, ["quantize", path, "--calibration", d / "x.npz", "-o", tmp_path / "q.onnx"],
                   "needs onnxruntime", "pip install microaot[quantize]")
    hello = model_path("hello_world_float32")
    np.save(tmp_path / "x.npy", np.zeros((4, 1, 1), np.float32))
    one_error_line(capsys, ["quantize", hello, "--calibration", tmp_path / "x.npy", "-o", tmp_path / "q.tflite"],
                   "needs ai-edge-quantizer", "pip install microaot[quantize-tflite]", "representative_dataset")
    one_error_line(capsys, ["quantize", hello, "--calibration", tmp_path / "x.npy", "-o", tmp_path / "q.tflite",
                            "--method", "entropy"], "min/max only")


def test_tflite_through_ai_edge_quantizer(tmp_path, capsys):
    pytest.importorskip("ai_edge_quantizer", reason="the quantize-tflite extra (ai-edge-quantizer) is not installed")
    float_path = model_path("ic_resnet8_float32")
    np.savez(tmp_path / "x.npz", input_1=np.random.default_rng(4).uniform(0, 1, (16, 1, 32, 32, 3)).astype(np.float32))
    code, j = run_json(capsys, ["quantize", float_path, "--calibration", tmp_path / "x.npz", "-o", tmp_path / "q.tflite"])
    assert code == 0 and j["quantizer"].startswith("ai-edge-quantizer") and j["int8_bytes"] < j["float_bytes"] / 3
    g = compile_file(tmp_path / "q.tflite").graph
    convs = [op for op in g.ops if op.kind == "conv2d"]
    assert convs and all(g.tensor(op.inputs[0]).dtype == "int8" for op in convs)
    assert max(g.tensor(op.inputs[1]).quant.scale.size for op in convs) > 1  # per channel
    code, v = run_json(capsys, ["validate", tmp_path / "q.tflite", "--data", tmp_path / "x.npz", "--reference", float_path])
    assert code == 0 and v["bit_exact"]
    assert v["outputs"][0]["cosine"] > 0.95 and v["outputs"][0]["top1_agreement"] >= 0.75, v


def test_old_opset_bundled_mnist(tmp_path, capsys):
    """mnist-8 (opset 8, IR 3: weights listed as graph inputs, a (1, 10) Gemm bias after the
    pre-processing): moved to opset 13, every convolution's bias Add and the Gemm folded into int8 kernels."""
    path = MODELS_DIR / "onnx" / "mnist8" / "model.onnx"
    np.save(tmp_path / "x.npy", np.random.default_rng(8).uniform(0, 1, (12, 1, 1, 28, 28)).astype(np.float32))
    assert cli.main([*map(str, ["quantize", path, "--calibration", tmp_path / "x.npy", "-o", tmp_path / "q.onnx"])]) == 0
    assert "converting model.onnx from opset 8 to 13" in capsys.readouterr().err
    g = compile_file(tmp_path / "q.onnx").graph
    assert [op.kind for op in g.ops if op.kind in ("conv2d", "fully_connected", "add")] == ["conv2d", "conv2d", "fully_connected"]
    assert all(g.tensor(op.inputs[0]).dtype == "int8" for op in g.ops if op.kind in ("conv2d", "fully_connected"))
    code, v = run_json(capsys, ["validate", tmp_path / "q.onnx", "--data", tmp_path / "x.npy", "--reference", path])
    assert code == 0 and v["bit_exact"] and v["outputs"][0]["cosine"] > 0.99 and v["outputs"][0]["top1_agreement"] >= 0.75


def test_quantiser_failure_is_one_line(float_model, tmp_path, capsys, monkeypatch):
    import onnxruntime.quantization

    def broken(*args, **kwargs):
        raise ValueError("The truth value of an array with more than one element is ambiguous.\nmore")

    monkeypatch.setattr(onnxruntime.quantization, "quantize_static", broken)
    path, d = float_model
    one_error_line(capsys, ["quantize", path, "--calibration", d / "x.npz", "-o", tmp_path / "q.onnx", "-q"],
                   "onnxruntime's quantiser failed: ValueError: The truth value")
