"""`microaot ops`: the supported operators, derived from the registries; docs/operators.md is its
generated Markdown, never edited by hand."""
import json
import subprocess
import sys
from pathlib import Path

from aot import cli, ops
from aot.driver import operators
from aot.frontends.onnx_nn import NN_CONVERTERS
from aot.frontends.onnx_ops import CONVERTERS as ONNX_CONVERTERS
from aot.frontends.tflite_ops import CONVERTERS as TFLITE_CONVERTERS
from codegen_c import registry

ROOT = Path(__file__).resolve().parents[2]


def _json(capsys, argv):
    assert cli.main(argv) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    return json.loads(out[0])


def test_json_lists_every_registry_entry(capsys):
    j = _json(capsys, ["ops", "--json"])
    assert set(j) == {key for key, _ in operators.JSON_KEYS}
    assert {e["builtin"]: tuple(e["dtypes"]) for e in j["tflite"]} == {k: tuple(d) for k, (_, d) in TFLITE_CONVERTERS.items()}
    assert {e["op_type"] for e in j["onnx"]} == set(ONNX_CONVERTERS) | set(NN_CONVERTERS)
    assert [e["kind"] for e in j["kinds"]] == list(ops.KINDS)
    for e in j["kinds"]:
        assert [k["name"] for k in e["kernels"]] == [k.name for k in registry.declared(e["kind"])]
    assert j["counts"] == {"tflite": len(j["tflite"]), "onnx": len(j["onnx"]), "kinds": len(ops.KINDS)}


def test_listing_follows_the_registry(monkeypatch, capsys):
    """A builtin another module registers appears with its dtypes: nothing is listed by hand."""
    monkeypatch.setitem(TFLITE_CONVERTERS, "ZZ_NEW_BUILTIN", (None, ("int8",)))
    j = _json(capsys, ["ops", "--json"])
    assert j["tflite"][-1] == {"builtin": "ZZ_NEW_BUILTIN", "dtypes": ["int8"]}
    assert cli.main(["ops"]) == 0
    assert any(line.split() == ["ZZ_NEW_BUILTIN", "int8"] for line in capsys.readouterr().out.splitlines())


def test_facts_from_the_declarations(capsys):
    """Spot checks against what the modules declare: conv2d has a DSP kernel, reshape is a view,
    float unary functions come from aot/ops/unary.py, data movement runs on int8 in QDQ models."""
    j = _json(capsys, ["ops", "--json"])
    kinds = {e["kind"]: e for e in j["kinds"]}
    assert ["dsp"] in [k["features"] for k in kinds["conv2d"]["kernels"]]
    assert any(k["view"] for k in kinds["reshape"]["kernels"])
    assert set(kinds["unary"]["functions"]) == set(ops.get("unary").FUNCTIONS)
    assert "bit-exact" in kinds["transpose"]["qdq"] and kinds["softmax"]["qdq"] is None
    assert "QUANTIZE" in {e["builtin"] for e in j["tflite"]}


def test_committed_doc_is_the_generated_one():
    """docs/operators.md equals what scripts/gen_ops_doc.py writes (after adding an operator, run it)."""
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_ops_doc.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (ROOT / "docs" / "operators.md").read_text() == operators.markdown(operators.supported())


def test_markdown_flag_prints_the_doc(capsys):
    assert cli.main(["ops", "--markdown"]) == 0
    assert capsys.readouterr().out == (ROOT / "docs" / "operators.md").read_text()
