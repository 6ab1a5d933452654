"""Issue 12 item 6: a fake-quant export (QUANTIZE float -> int8 -> DEQUANTIZE -> QUANTIZE to
another scale) runs bit-exactly as tflite-micro runs it, and `run` checks the C against the
reference of the imported model, not of our rewrite of it."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from aot import cli
from aot.driver.compiler import compile_graph
from aot.driver.runner import run_on_board
from aot.frontends.tflite import load_tflite
from aot.target.boards import load_board
from tests.tflite_builder import TFLiteBuilder
from tests.tflm import run_tflm

# 0.04 / 5 -> 0.12 / -3: TFLM's integer requantisation (fixed-point 1/3) and its float path
# (dequantize in double, quantize by float32 division) round 86 of the 256 int8 values otherwise
A_QUANT, Y_QUANT = (0.04, 5), (0.12, -3)


def fake_quant_model() -> bytes:
    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 256), "float32")
    a = b.add_tensor("a", (1, 256), "int8", scale=A_QUANT[0], zero_point=A_QUANT[1])
    af = b.add_tensor("a_float", (1, 256), "float32")
    y = b.add_tensor("y", (1, 256), "int8", scale=Y_QUANT[0], zero_point=Y_QUANT[1])
    b.add_op("QUANTIZE", [x], [a])
    b.add_op("DEQUANTIZE", [a], [af])
    b.add_op("QUANTIZE", [af], [y])
    b.set_io([x], [y])
    return b.finish()


def every_int8_value() -> np.ndarray:
    """Float inputs that QUANTIZE maps onto each of the 256 int8 values of ``a``."""
    scale, zp = A_QUANT
    return (np.float32(scale) * (np.arange(-128, 128) - zp)).astype(np.float32).reshape(1, 256)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fq") / "fake_quant.tflite"
    path.write_bytes(fake_quant_model())
    return path


def test_host_c_is_bit_exact_with_tflm(model_file, tmp_path):
    model = model_file.read_bytes()
    x = every_int8_value()
    want = run_tflm(model, [x])[0]
    cm = compile_graph(load_tflite(model), model_file, hashlib.sha256(model).hexdigest())
    assert [op.kind for op in cm.graph.ops] == ["quantize", "dequantize", "quantize"]  # not folded: not exact
    result = run_on_board(cm, load_board("host"), {cm.graph.inputs[0]: x}, build_dir=tmp_path)
    got = result.outputs[cm.graph.outputs[0]]
    np.testing.assert_array_equal(got.reshape(want.shape), want)
    assert result.match and result.mismatch_against == []


def test_run_compares_with_the_imported_model(model_file, tmp_path, capsys, monkeypatch):
    """Forcing the unproven integer requantisation (as the passes used to do): the C then agrees
    with the reference of the rewritten graph but not with the model's, and `run` says so."""
    np.save(tmp_path / "x.npy", every_int8_value())
    argv = ["run", str(model_file), "--inputs", str(tmp_path / "x.npy"), "--json"]
    assert cli.main([*argv, "--build-dir", str(tmp_path / "exact")]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["match"] and j["reference"] == "model" and j["mismatch_against"] == [] and j["against_passes"]["match"]
    assert {"model", "board", "match", "max_abs_diff", "arena_bytes", "flash_bytes", "ram_bytes", "stack_bytes",
            "counter_unit", "macs", "outputs", "host_ns"} <= set(j)  # the keys scripts read before stay
    assert j["model"] == str(model_file)

    monkeypatch.setattr("aot.passes.qdq._requantize_exact", lambda g, op, q: True)
    assert cli.main([*argv, "--build-dir", str(tmp_path / "folded")]) == 1
    j = json.loads(capsys.readouterr().out)
    assert not j["match"] and j["mismatch_against"] == ["model"] and j["max_abs_diff"] == 1
    assert j["against_passes"]["match"] and j["against_passes"]["max_abs_diff"] == 0 and j["approximations"] == []
    assert j["against_model"]["max_abs_diff"] == 1 and j["reference"] == "model"
    assert j["outputs"][0]["mismatches"] > 0 and not j["outputs"][0]["match"]


def test_an_approximated_qdq_island_is_judged_against_the_passes(tmp_path):
    """A QDQ conv island runs as the int8 kernel (ONNX QDQ: within one step of the float path, not
    proven exact): the run records the approximation, judges the C against the graph after the
    passes (bit-exact) and reports its difference from the model's float path."""
    from tests.passes.test_qdq import _kernel_island

    g = _kernel_island("conv2d")
    cm = compile_graph(g, Path("island.onnx"), "island")
    assert [op.kind for op in cm.graph.ops] == ["conv2d"]
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, g.tensor("x").shape, dtype=np.int8)
    result = run_on_board(cm, load_board("host"), {"x": x}, build_dir=tmp_path)
    assert len(result.approximations) == 1 and "conv2d" in result.approximations[0]
    assert result.reference == "passes" and result.match and result.passes_max_abs_diff == 0
    assert result.max_abs_diff == 0 and result.model_max_abs_diff <= 1
