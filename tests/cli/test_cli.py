"""The microaot command line as scripts use it: JSON keys, exit codes, files, errors."""
import json
import subprocess
import sys

import numpy as np
import pytest

from aot import cli
from tests.malformed import malformed_variants
from tests.models_list import model_path

KWS = model_path("kws_ref_model_int8")


@pytest.fixture
def unsupported_model(tmp_path):
    """A model whose only operator microaot does not import (and tflite-micro does not run)."""
    from tests.tflite_builder import TFLiteBuilder
    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 8), "int8", scale=0.1, zero_point=0)
    y = b.add_tensor("y", (1, 8), "int8", scale=0.1, zero_point=0)
    b.add_op("BIDIRECTIONAL_SEQUENCE_RNN", [x], [y], table="BidirectionalSequenceRNNOptions")
    b.set_io([x], [y])
    path = tmp_path / "rnn.tflite"
    path.write_bytes(b.finish())
    return path
HELLO = model_path("hello_world_int8")


def microaot(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "aot", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def json_of(capsys, argv):
    code = cli.main(argv)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return code, json.loads(out[0])


def test_compile_json_and_files(tmp_path, capsys):
    code, j = json_of(capsys, ["compile", str(KWS), "-o", str(tmp_path / "out"), "--json"])
    assert code == 0
    assert j["arena_bytes"] < j["activation_lower_bound"] == 16000 and j["ops"] == 13 and j["weights_bytes"] > 24000
    for name in ("model.c", "model.h", "metadata.json", "memory.txt"):
        assert (tmp_path / "out" / name).is_file()
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert meta["inputs"][0]["shape"] == [1, 49, 10, 1] and meta["inputs"][0]["dtype"] == "int8"
    assert meta["inputs"][0]["quant"]["zero_point"] == 83
    assert meta["arena_bytes"] == j["arena_bytes"]
    assert f"#define MODEL_ARENA_SIZE {j['arena_bytes']}u" in (tmp_path / "out" / "model.h").read_text()


def test_compile_is_byte_identical(tmp_path):
    for d in ("a", "b"):
        assert cli.main(["compile", str(KWS), "-o", str(tmp_path / d), "-q"]) == 0
    for name in ("model.c", "model.h", "metadata.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_run_host_json_inputs_and_saved_outputs(tmp_path, capsys):
    rng = np.random.default_rng(7)
    x = rng.integers(-128, 127, size=(1, 1), dtype=np.int8)
    np.savez(tmp_path / "in.npz", **{"serving_default_dense_input:0": x})
    code, j = json_of(capsys, ["run", str(HELLO), "--board", "host", "--inputs", str(tmp_path / "in.npz"),
                               "--save-outputs", str(tmp_path / "res"), "--build-dir", str(tmp_path / "b"), "--json"])
    assert code == 0 and j["match"] is True and j["max_abs_diff"] == 0 and j["arena_bytes"] == 32
    saved = np.load(tmp_path / "res" / "outputs.npz")
    from aot.driver.reference import run_graph
    from aot.frontends import load_model

    g = load_model(HELLO)
    want = run_graph(g, {g.inputs[0]: x})
    np.testing.assert_array_equal(saved["StatefulPartitionedCall:0"], want["StatefulPartitionedCall:0"])


def test_run_exits_1_on_mismatch(tmp_path, capsys, monkeypatch):
    import aot.driver.runner

    real = aot.driver.runner.run_graph

    def wrong(g, inputs, **kw):
        out = real(g, inputs, **kw)
        return {k: (v + 1).astype(v.dtype) for k, v in out.items()}

    monkeypatch.setattr(aot.driver.runner, "run_graph", wrong)
    code, j = json_of(capsys, ["run", str(HELLO), "--board", "host", "--build-dir", str(tmp_path), "--json"])
    assert code == 1 and j["match"] is False and j["max_abs_diff"] == 1


def test_npy_input_for_single_input_model(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((1, 1), np.int8))
    code, j = json_of(capsys, ["run", str(HELLO), "--inputs", str(tmp_path / "x.npy"), "--build-dir", str(tmp_path / "b"), "--json"])
    assert code == 0 and j["match"]


def test_wrong_input_shape_is_one_line_error(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((3, 3), np.int8))
    r = microaot("run", HELLO, "--inputs", tmp_path / "x.npy", "--build-dir", tmp_path / "b")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "expected int8[1, 1]" in r.stderr


def test_hybrid_model_exit_2_one_line():
    r = microaot("compile", model_path("kws_ref_model_float32_hybrid"), "-o", "/nonexistent/never")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1
    assert "hybrid quantisation (int8 weights, float activations) is not supported" in r.stderr


@pytest.mark.parametrize("variant", range(9))
def test_malformed_files_exit_2(tmp_path, capsys, variant):
    name, data = sorted(malformed_variants(HELLO.read_bytes()).items())[variant]
    f = tmp_path / "bad.tflite"
    f.write_bytes(data)
    code = cli.main(["compile", str(f), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2, name
    assert err.startswith("microaot: error:") and err.count("\n") == 1, (name, err)


def test_missing_file_and_unknown_board(tmp_path):
    r = microaot("compile", tmp_path / "nope.tflite", "-o", tmp_path)
    assert r.returncode == 2 and "no such file" in r.stderr
    r = microaot("run", HELLO, "--board", "no-such-board")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "qemu-mps2-an386" in r.stderr


def test_inspect_lists_ops_plan_and_unsupported(capsys, unsupported_model):
    code, j = json_of(capsys, ["inspect", str(KWS), "--json"])
    assert code == 0 and len(j["ops"]) == 13 and j["arena_bytes"] < 16000 and j["unsupported"] == []
    assert j["ops"][0]["op"] == "conv2d" and j["plan"]
    kws_arena = j["arena_bytes"]
    code, j = json_of(capsys, ["inspect", str(unsupported_model), "--json"])
    assert j["unsupported"][0]["op"] == "BIDIRECTIONAL_SEQUENCE_RNN" and j["arena_bytes"] is None
    code = cli.main(["inspect", str(KWS)])
    text = capsys.readouterr().out
    assert "depthwise_conv2d" in text and f"arena {kws_arena} bytes" in text


def test_largest_op_bytes_under_both_names(tmp_path, capsys):
    """The largest single op's inputs + outputs: `largest_op_bytes`, and the older key
    `activation_lower_bound` with the same value, in compile --json and inspect --json (--memory too)."""
    code, j = json_of(capsys, ["compile", str(KWS), "-o", str(tmp_path / "out"), "--json"])
    assert code == 0 and j["largest_op_bytes"] == j["activation_lower_bound"] == 16000
    assert cli.main(["compile", str(KWS), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert "largest op inputs + outputs 16,000" in capsys.readouterr().out
    plot = tmp_path / "arena.svg"
    code, j = json_of(capsys, ["inspect", str(HELLO), "--memory", "--board", "host", "--plot", str(plot), "--json"])
    assert code == 0 and j["largest_op_bytes"] == j["activation_lower_bound"] == 32
    m = j["memory"]
    assert m["board"] == "host" and m["largest_op_bytes"] == m["activation_lower_bound"] == 32
    assert m["code_bytes"] + m["weights_bytes"] == m["flash_bytes"] and m["plot"] == str(plot)
    assert "largest op inputs + outputs 32 B" in plot.read_text()
    assert cli.main(["inspect", str(HELLO)]) == 0
    assert "largest op inputs + outputs 32 bytes" in capsys.readouterr().out


def test_inspect_memory_of_an_unsupported_model_is_one_error(capsys, unsupported_model):
    code = cli.main(["inspect", str(unsupported_model), "--memory", "--board", "host"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("microaot: error:") and "BIDIRECTIONAL_SEQUENCE_RNN" in err
