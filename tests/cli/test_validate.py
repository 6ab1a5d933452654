"""`microaot validate`: an int8 model against its float original on a small dataset, on the host,
checked against the same metrics computed here from tflite-micro's outputs."""
import json

import numpy as np
import pytest

from aot import cli
from aot.driver.compiler import compile_file
from tests.models_list import model_path
from tests.tflm import run_tflm

INT8 = model_path("ic_resnet8_int8")
FLOAT = model_path("ic_resnet8_float32")
N = 8


def quantize(x, scale, zp):
    """TFLite's float -> int8: round half away from zero, saturate."""
    return np.clip(np.trunc(x / np.float32(scale) + np.copysign(0.5, x)) + zp, -128, 127).astype(np.int8)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    d = tmp_path_factory.mktemp("validate")
    g = compile_file(INT8).graph
    x_name, y_name = g.inputs[0], g.outputs[0]
    xq, yq = g.tensor(x_name).quant, g.tensor(y_name).quant
    x = np.random.default_rng(13).uniform(0, 1, (N, *g.tensor(x_name).shape)).astype(np.float32)
    floats = np.stack([run_tflm(FLOAT.read_bytes(), [s])[0] for s in x]).reshape(N, -1).astype(np.float64)
    q = np.stack([run_tflm(INT8.read_bytes(), [quantize(s, xq.tensor_scale, xq.tensor_zero_point)])[0] for s in x])
    ints = (q.reshape(N, -1).astype(np.float64) - yq.tensor_zero_point) * yq.tensor_scale
    labels = floats.argmax(1)
    labels[:2] = (labels[:2] + 1) % floats.shape[1]  # two wrong labels: the float model's accuracy is 6/8
    np.savez(d / "x.npz", **{x_name: x})
    np.save(d / "y.npy", labels)
    return d, x_name, floats, ints, labels


def run_json(capsys, argv):
    code = cli.main([*map(str, argv), "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return code, json.loads(out[0])


def test_int8_against_float(dataset, capsys):
    d, _, floats, ints, labels = dataset
    code, j = run_json(capsys, ["validate", INT8, "--data", d / "x.npz", "--labels", d / "y.npy", "--reference", FLOAT])
    assert code == 0
    assert set(j) == {"model", "reference", "board", "samples", "outputs", "accuracy", "reference_accuracy",
                      "bit_exact", "mismatched_samples"}
    assert j["samples"] == N and j["board"] == "host" and j["bit_exact"] is True and j["mismatched_samples"] == 0
    (o,) = j["outputs"]
    assert set(o) == {"name", "reference", "top1_agreement", "cosine", "rmse", "max_abs_error"}
    for key in ("top1_agreement", "cosine", "accuracy", "reference_accuracy"):
        assert 0 <= (o | j)[key] <= 1
    assert o["top1_agreement"] == np.mean(ints.argmax(1) == floats.argmax(1))
    assert j["accuracy"] == np.mean(ints.argmax(1) == labels)
    assert j["reference_accuracy"] == 0.75
    err = ints - floats
    assert o["rmse"] == pytest.approx(np.sqrt(np.mean(err**2)), rel=1e-3, abs=1e-6)
    assert o["max_abs_error"] == pytest.approx(np.abs(err).max(), rel=1e-3, abs=1e-6)
    cosine = ints.ravel() @ floats.ravel() / (np.linalg.norm(ints) * np.linalg.norm(floats))
    assert o["cosine"] == pytest.approx(cosine, abs=1e-5) and o["cosine"] < 1


def test_against_itself_and_table(dataset, capsys):
    d, *_ = dataset
    code, j = run_json(capsys, ["validate", INT8, "--data", d / "x.npz"])
    assert code == 0 and j["accuracy"] is None and j["bit_exact"]
    assert j["outputs"][0]["top1_agreement"] == 1.0 and j["outputs"][0]["max_abs_error"] == 0.0
    assert cli.main(["validate", str(INT8), "--data", str(d / "x.npz")]) == 0
    captured = capsys.readouterr()
    assert "top-1 agreement" in captured.out and "bit-exact" in captured.out
    assert f"sample {N}/{N}" in captured.err


@pytest.mark.parametrize("bad, message", [
    ({"wrong_name": np.zeros((N, 32, 32, 3), np.float32)}, "are not the model inputs"),
    (None, "expected int8[1, 32, 32, 3]"),  # the right key, samples of the wrong shape
])
def test_bad_dataset_is_one_line(dataset, tmp_path, capsys, bad, message):
    _, x_name, *_ = dataset
    np.savez(tmp_path / "bad.npz", **(bad or {x_name: np.zeros((N, 16, 16, 3), np.float32)}))
    assert cli.main(["validate", str(INT8), "--data", str(tmp_path / "bad.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and err[0].startswith("microaot: error:")


def test_bad_labels_are_one_line(dataset, tmp_path, capsys):
    d, *_ = dataset
    np.save(tmp_path / "y.npy", np.zeros(N + 1, np.int64))
    assert cli.main(["validate", str(INT8), "--data", str(d / "x.npz"), "--labels", str(tmp_path / "y.npy")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"labels must be {N} integer class indices" in err[0]


@pytest.mark.qemu
def test_board_equals_host(tmp_path, capsys):
    """One build, every sample on one QEMU session: the same metrics as on the host (a .npy dataset)."""
    x = np.linspace(0, 2 * np.pi, 12, dtype=np.float32).reshape(12, 1)
    np.save(tmp_path / "x.npy", x)
    argv = ["validate", model_path("hello_world_int8"), "--data", tmp_path / "x.npy",
            "--reference", model_path("hello_world_float32")]
    _, host = run_json(capsys, argv)
    code, board = run_json(capsys, [*argv, "--board", "qemu-mps2-an386", "--build-dir", tmp_path / "build"])
    assert code == 0 and board["bit_exact"] and board["samples"] == 12 and board["board"] == "qemu-mps2-an386"
    assert board["outputs"] == host["outputs"] and host["outputs"][0]["top1_agreement"] is None
    assert 0.9 < host["outputs"][0]["cosine"] < 1 and host["outputs"][0]["max_abs_error"] > 0


def test_reference_of_another_shape_is_one_line(dataset, capsys):
    d, *_ = dataset
    argv = ["validate", str(INT8), "--data", str(d / "x.npz"), "--reference", str(model_path("hello_world_float32"))]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the reference's" in err[0] and "elements" in err[0]
