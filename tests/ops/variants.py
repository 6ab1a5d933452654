"""Compiling a random single-op model with a board's kernel variants forced: what the DSP and
Helium variant tests (test_dsp_variants.py, test_mve_variants.py) share."""
import hashlib
from pathlib import Path

from aot.driver.choose import knob_settings
from aot.driver.compiler import compile_graph
from aot.driver.tune import TuningRecord
from aot.frontends.tflite import load_tflite


def compile_variant(model: bytes, name: str, board, knobs: int = 0, choice_board=None):
    """``model`` compiled with priority speed on ``choice_board`` (default ``board``) when
    ``knobs`` is 0, else with every op's knob setting number ``knobs`` (aot/driver/choose.py:
    knob_settings) through a tuning record for ``board``; None when no op has that many."""
    g = load_tflite(model)
    g.name = name
    digest = hashlib.sha256(model).hexdigest()
    cm = compile_graph(g, Path(f"{name}.tflite"), digest, board=choice_board or board, priority="speed")
    if not knobs:
        return cm
    ops = []
    for i, op in enumerate(cm.graph.ops):
        options = knob_settings(cm.graph, cm.plan, i, cm.variants[i], board.features)
        ops.append({"index": i, "op": op.kind, "variant": options[min(knobs, len(options) - 1)].key})
    if all(e["variant"] == cm.variants[e["index"]].key for e in ops):
        return None
    record = TuningRecord(name, digest, board.name, ops)
    return compile_graph(load_tflite(model), Path(f"{name}.tflite"), digest, board=board, tuning=record)
