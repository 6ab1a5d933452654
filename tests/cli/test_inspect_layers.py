"""`microaot inspect --layers`: the per-operator report adds up to the whole model's figures."""
import json

import pytest

from aot import cli
from aot.driver.compiler import compile_file
from codegen_c.kernel import KernelChoice
from codegen_c.registry import declared
from tests.models_list import model_path

MODELS = ["kws_ref_model_int8", "ad01_int8"]


def run_json(capsys, argv):
    assert cli.main(argv) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return json.loads(out[0])


@pytest.mark.parametrize("name", MODELS)
def test_layers_add_up_to_the_model(name, tmp_path, capsys):
    model = model_path(name)
    compiled = run_json(capsys, ["compile", str(model), "-o", str(tmp_path / "out"), "--json"])
    report = run_json(capsys, ["inspect", str(model), "--layers", "--json"])
    layers, totals = report["layers"], report["totals"]
    assert [e["index"] for e in layers] == list(range(compiled["ops"])) and totals["ops"] == compiled["ops"]
    assert sum(e["macs"] for e in layers) == totals["macs"] == compiled["macs"]
    assert sum(e["weights_bytes"] for e in layers) == totals["weights_bytes"] == compiled["weights_bytes"]
    assert totals["arena_bytes"] == compiled["arena_bytes"] and report["board"] is None
    cm = compile_file(model)
    for e, op in zip(layers, cm.graph.ops):
        assert e["op"] == op.kind and e["source"] == op.name
        assert e["kernel"] in {k.name for k in declared(op.kind)}
        assert KernelChoice.parse(e["kernel"]).name == e["kernel"]  # portable: no knobs
        assert 0 <= e["scratch_bytes"] <= e["activation_bytes"] <= totals["arena_bytes"]
        # every activation the op reads and writes is live while it runs
        assert e["activation_bytes"] >= max(t["bytes"] for t in e["outputs"])
        assert [t["shape"] for t in e["outputs"]] == [list(cm.graph.tensor(n).shape) for n in op.outputs]
    assert totals["peak_live_bytes"] == max(e["activation_bytes"] for e in layers)
    # at least one op of these models holds weights, and every const array has an owner
    assert any(e["weights_bytes"] > 0 for e in layers)
    names = [w for e in layers for w in e["weights"]]
    assert len(names) == len(set(names))


def test_layers_table_has_a_totals_row_and_short_names(capsys):
    model = model_path("kws_ref_model_int8")
    assert cli.main(["inspect", str(model), "--layers"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["#", "op", "source"]
    total = next(line for line in lines if line.split()[:1] == ["total"])
    assert f"{compile_file(model).macs:,}" in total.split()
    assert all(len(line) < 200 for line in lines)
    assert "..." in out  # its tensor names are longer than the column


@pytest.mark.qemu
def test_layers_profiled_on_qemu(capsys):
    report = run_json(capsys, ["inspect", str(model_path("kws_ref_model_int8")), "--layers",
                               "--board", "qemu-mps2-an386", "--json"])
    layers, totals = report["layers"], report["totals"]
    assert report["board"] == "qemu-mps2-an386" and report["counter_unit"] == "instructions"
    per_op = [e["instructions"] for e in layers]
    assert sum(per_op) == totals["instructions"]
    assert all(e["instructions"] > 0 for e in layers if e["macs"])  # (QEMU counts in steps: a reshape may read 0)
    # the per-op counts cover the inference but the calls between the ops
    assert 0.99 * totals["inference"] <= sum(per_op) <= totals["inference"]
    # the board's kernels: the convolutions run a DSP variant there
    assert any(e["kernel"].startswith("dsp") for e in layers if e["op"] == "conv2d")
    assert sum(e["weights_bytes"] for e in layers) == totals["weights_bytes"]
    # the firmware's symbols hold each op's constant arrays at the size we count
    assert [e["const_bytes"] for e in layers] == [e["weights_bytes"] for e in layers]
    assert all(e["code_bytes"] is None or e["code_bytes"] > 0 for e in layers)
    assert any(e["code_bytes"] for e in layers if e["op"] == "softmax")  # a kernel written out as its own function
    assert 0 < totals["other_flash_bytes"] < totals["flash_bytes"]
    # the five convolutions hold most of the MACs and take most of the time
    assert sum(e["share"] for e in layers if e["op"] == "conv2d") > 0.5
