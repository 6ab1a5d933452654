"""The whole pass pipeline (aot.passes.pipeline.optimize) on every supported bundled model, and where the
compiler runs it: once, for every frontend (aot.driver.compiler.prepare), after the import.

TFLite graphs are already kernel level: the pipeline keeps every op as it is and the NumPy
reference gives the same bits. ONNX graphs shrink (transposes, bias adds and activations go)
and give the same bits as long as fold_affine is left out; fold_affine itself moves a float
bias add into the convolution's accumulator, which rounds once instead of twice, so the full
pipeline is held to a relative 1e-6 of the largest output instead (tests/passes/test_fold_affine.py)."""
import copy
import hashlib

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

import aot.driver.compiler
import aot.passes.pipeline
from aot.driver.compiler import compile_file, compile_graph, prepare
from aot.driver.reference import random_inputs, run_graph
from aot.frontends import load_model, read_model
from aot.frontends.onnx import import_model
from aot.frontends.validate import check_graph
from aot.passes.pipeline import optimize
from tests.models_list import FLOAT_MODELS, INT8_MODELS, model_path
from tests.onnx.models import MODELS as ONNX_DIR
from tests.passes.helpers import assert_bit_exact, kinds, ops_of

ONNX_MODELS = ["mnist8/model.onnx", "tfl_helloworld.onnx", "atmega_mnist_simplified.onnx"]


@pytest.mark.parametrize("name", INT8_MODELS + FLOAT_MODELS)
def test_tflite_models_unchanged_bit_for_bit(name):
    g = load_model(model_path(name))
    h = optimize(copy.deepcopy(g))
    assert ops_of(h) == ops_of(g)
    assert set(h.tensors) <= set(g.tensors)  # at most unreferenced tensors dropped
    assert_bit_exact(g, h, seeds=range(3))


@pytest.mark.parametrize("name", ONNX_MODELS)
def test_onnx_models_shrink_and_keep_their_outputs(name, monkeypatch):
    g = load_model(ONNX_DIR / name)
    assert "transpose" in kinds(g) or "conv2d" not in kinds(g)  # the import keeps ONNX's layout, transposes around kernels
    h = optimize(copy.deepcopy(g))
    assert len(h.ops) < len(g.ops) and "transpose" not in kinds(h)
    assert check_graph(h) == []
    for s in range(3):
        x = random_inputs(g, s)
        want, got = run_graph(g, x), run_graph(h, x)
        for n in g.outputs:
            scale = float(np.abs(want[n]).max())
            assert scale > 0 and np.abs(got[n].astype(np.float64) - want[n]).max() <= 1e-6 * scale, (n, s)
    monkeypatch.setattr(aot.passes.pipeline, "fold_affine", lambda g: g)
    exact = optimize(copy.deepcopy(g))
    assert len(exact.ops) < len(g.ops) and "transpose" not in kinds(exact)
    assert_bit_exact(g, exact, seeds=range(3))


@pytest.mark.parametrize("path", [model_path(n) for n in INT8_MODELS + FLOAT_MODELS] + [ONNX_DIR / n for n in ONNX_MODELS],
                         ids=lambda p: p.name)
def test_pipeline_is_idempotent(path):
    once = optimize(load_model(path))
    twice = optimize(copy.deepcopy(once))
    assert ops_of(twice) == ops_of(once) and sorted(twice.tensors) == sorted(once.tensors)


def test_compile_runs_the_pipeline_once_without_touching_the_callers_graph(monkeypatch):
    calls = []
    real = aot.driver.compiler.optimize

    def counting(g):
        calls.append(g.name)
        return real(g)

    monkeypatch.setattr(aot.driver.compiler, "optimize", counting)
    path = ONNX_DIR / "mnist8" / "model.onnx"
    cm = compile_file(path)
    assert calls == ["mnist8"] and "transpose" not in kinds(cm.graph)
    g = load_model(path)
    before = ops_of(g)
    cm = compile_graph(g, path, hashlib.sha256(path.read_bytes()).hexdigest())
    assert ops_of(g) == before and len(cm.graph.ops) < len(g.ops) and len(calls) == 2
    compile_file(model_path("hello_world_int8"))
    assert len(calls) == 3  # TFLite goes through the same pipeline


def _qdq_conv_model() -> onnx.ModelProto:
    """x -> Q -> DQ -> Conv(DQ(int8 per-channel weights)) -> Q -> DQ: onnxruntime's QDQ form."""
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, (4, 2, 3, 3)).astype(np.int8)
    inits = [numpy_helper.from_array(w, "wq"), numpy_helper.from_array(rng.uniform(0.01, 0.02, 4).astype(np.float32), "ws"),
             numpy_helper.from_array(np.zeros(4, np.int8), "wz"), numpy_helper.from_array(np.float32(0.02), "xs"),
             numpy_helper.from_array(np.int8(3), "xz"), numpy_helper.from_array(np.float32(0.05), "ys"),
             numpy_helper.from_array(np.int8(-2), "yz")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xf"]),
             helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wf"], axis=0),
             helper.make_node("Conv", ["xf", "wf"], ["yf"], pads=[1, 1, 1, 1]),
             helper.make_node("QuantizeLinear", ["yf", "ys", "yz"], ["yq"]),
             helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"])]
    x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 2, 5, 5])
    y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4, 5, 5])
    return helper.make_model(helper.make_graph(nodes, "qdq", [x], [y], inits), opset_imports=[helper.make_opsetid("", 13)])


def test_ops_are_checked_after_the_passes(tmp_path):
    """A QDQ conv reads dequantized (non-constant) weights until the QDQ pass gives it int8
    constants: the ONNX import lists no problem, the raw graph's checks would, prepare's do not."""
    g, problems = import_model(_qdq_conv_model(), "qdq")
    assert problems == [] and check_graph(g)  # the raw conv's weights are not constant
    h, problems = prepare(g)
    assert problems == []
    conv = next(op for op in h.ops if op.kind == "conv2d")
    assert h.tensor(conv.inputs[0]).dtype == h.tensor(conv.inputs[1]).dtype == "int8"
    path = tmp_path / "qdq.onnx"
    onnx.save(_qdq_conv_model(), str(path))
    g, problems = read_model(path)
    assert problems == [] and "conv2d" in kinds(compile_file(path).graph)


def test_inspect_shows_the_compiled_onnx_graph(capsys):
    from aot import cli

    assert cli.main(["inspect", str(ONNX_DIR / "mnist8" / "model.onnx"), "--json"]) == 0
    import json

    j = json.loads(capsys.readouterr().out)
    ops = [e["op"] for e in j["ops"]]
    assert j["unsupported"] == [] and j["arena_bytes"] > 0
    assert "transpose" not in ops and ops.count("conv2d") == 2 and "add" not in ops
    assert {t["name"] for t in j["tensors"]} >= {o for e in j["ops"] for o in e["outputs"]}
