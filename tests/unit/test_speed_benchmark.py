"""benchmarks/speed.py's functions run on hello_world (a sanity check, not a timed test)."""
import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _speed(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(BENCH))
    sys.modules.pop("speed", None)
    common = importlib.import_module("common")
    monkeypatch.setattr(common, "DOC", tmp_path / "benchmarks.md")
    return importlib.import_module("speed"), common


@pytest.mark.qemu
def test_speed_benchmark_on_hello_world(monkeypatch, tmp_path):
    speed, common = _speed(monkeypatch, tmp_path)
    row = speed.measure("hello_world_int8", "qemu-mps2-an386", work=tmp_path / "work")
    assert row["bit_exact"] and row["unit"] == "instructions"
    assert 0 < row["best"] <= row["portable"] and row["code_bytes"] > 0 and row["weight_bytes"] > 0
    text = speed.section([row])
    assert "hello_world_int8" in text and "| model | board |" in text
    (tmp_path / "benchmarks.md").write_text("# B\n\n<!-- memory:begin -->\nmem\n<!-- memory:end -->\n")
    common.update_doc_section("speed", text)
    doc = (tmp_path / "benchmarks.md").read_text()
    assert "<!-- memory:begin -->\nmem\n<!-- memory:end -->" in doc and "<!-- speed:begin -->" in doc
