"""The MLPerf Tiny (and other int8) models with the boards' default kernel variants (the DSP
ones on Cortex-M4/M7/M55) run bit-exact under QEMU, with every priority; with the default
priority their arena is no larger than the portable build's (and the activation lower bound);
a tuning record applied twice gives the same sources; a record for another model is rejected."""
import json

import pytest

from aot.driver.compiler import compile_file, emit
from aot.driver.reference import random_inputs
from aot.driver.runner import run_on_board
from aot.driver.tune import TuningError, TuningRecord, tune
from aot.target.boards import load_board
from tests.models_list import INT8_MODELS, model_path

DSP_CASES = ([("qemu-mps2-an386", m) for m in INT8_MODELS]
             + [(b, m) for b in ("qemu-mps2-an500", "qemu-mps3-an547") for m in ("kws_ref_model_int8", "ad01_int8", "micro_speech_int8")])


@pytest.mark.qemu
@pytest.mark.parametrize("board,name", DSP_CASES)
def test_dsp_model_on_qemu(board, name, tmp_path):
    b = load_board(board)
    cm = compile_file(model_path(name), board=b)
    assert any(v.name in ("dsp", "mve") for v in cm.variants.values()) or name not in ("kws_ref_model_int8", "ad01_int8")
    result = run_on_board(cm, b, random_inputs(cm.graph, 5), build_dir=tmp_path)
    assert result.match and result.max_abs_diff == 0, [(c.name, c.max_abs_diff) for c in result.comparisons]


@pytest.mark.qemu
@pytest.mark.parametrize("priority,name", [(p, m) for p in ("speed", "ram") for m in ("kws_ref_model_int8", "sww_ref_model_int8", "ic_resnet8_int8")])
def test_dsp_model_priorities_on_qemu(priority, name, tmp_path):
    b = load_board("qemu-mps2-an386")
    cm = compile_file(model_path(name), board=b, priority=priority)
    result = run_on_board(cm, b, random_inputs(cm.graph, 5), build_dir=tmp_path)
    assert result.match and result.max_abs_diff == 0, [(c.name, c.max_abs_diff) for c in result.comparisons]


@pytest.mark.parametrize("name", INT8_MODELS)
def test_dsp_arena_within_portable_and_bound(name):
    """Default priority (balanced): the DSP build needs no more arena than the portable one and
    stays within the activation lower bound; at most one op falls back to its portable kernel
    (the others keep a DSP kernel, maybe a leaner knob of it); "ram" is never larger."""
    b = load_board("qemu-mps2-an386")
    portable = compile_file(model_path(name)).plan
    cm = compile_file(model_path(name), board=b)
    assert cm.plan.arena_bytes <= portable.arena_bytes
    assert cm.plan.arena_bytes <= cm.plan.largest_op_bytes
    fast = compile_file(model_path(name), board=b, priority="speed")
    fell_back = [i for i, v in fast.variants.items() if v.name == "dsp" and cm.variants[i].name != "dsp"]
    assert len(fell_back) <= 1, fell_back
    assert compile_file(model_path(name), board=b, priority="ram").plan.arena_bytes <= cm.plan.arena_bytes


def _record(name: str, board: str, variant: str = "dsp") -> TuningRecord:
    b = load_board(board)
    cm = compile_file(model_path(name), board=b)
    ops = [{"index": i, "op": op.kind, "variant": variant if cm.variants[i].name == "dsp" else "portable", "measured": {}}
           for i, op in enumerate(cm.graph.ops)]
    return TuningRecord(cm.graph.name, cm.model_hash, board, ops)


def test_tuning_record_gives_identical_sources(tmp_path):
    rec = _record("kws_ref_model_int8", "qemu-mps2-an386")
    rec.ops[1]["variant"] = "portable"  # a mix the default would not choose
    path = tmp_path / "tuning.json"
    rec.save(path)
    texts = []
    for k in range(2):
        cm = compile_file(model_path("kws_ref_model_int8"), board=load_board("qemu-mps2-an386"), tuning=TuningRecord.load(path))
        assert cm.variants[1].name == "portable" and cm.variants[2].name == "dsp"
        emit(cm, tmp_path / f"out{k}")
        texts.append((tmp_path / f"out{k}" / "model.c").read_text())
    assert texts[0] == texts[1]
    assert "aot_mm_2col" in texts[0]


def test_tuning_record_for_another_model_is_rejected(tmp_path):
    rec = _record("kws_ref_model_int8", "qemu-mps2-an386")
    with pytest.raises(TuningError, match="tuning record is for model 'kws_ref_model_int8'"):
        compile_file(model_path("ad01_int8"), board=load_board("qemu-mps2-an386"), tuning=rec)
    with pytest.raises(TuningError, match="measured on board"):
        compile_file(model_path("kws_ref_model_int8"), board=load_board("qemu-mps2-an500"), tuning=rec)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": 1}))
    with pytest.raises(TuningError, match="not a microaot tuning record"):
        TuningRecord.load(bad)


@pytest.mark.qemu
def test_tune_hello_world(tmp_path):
    b = load_board("qemu-mps2-an386")
    rec = tune(model_path("hello_world_int8"), b, build_root=tmp_path, progress=False)
    assert rec.bit_exact and rec.total > 0 and rec.board == b.name
    assert all(e["variant"] in e["measured"] for e in rec.ops if e["measured"])
    cm = compile_file(model_path("hello_world_int8"), board=b, tuning=TuningRecord.from_json(rec.to_json()))
    assert {i: v.key for i, v in cm.variants.items()} == {e["index"]: e["variant"] for e in rec.ops}
