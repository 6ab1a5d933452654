"""Measured tuning: try each operator's candidate kernel variants on a board, keep the fastest
bit-exact one, and write the choice as a tuning record (JSON) that `compile/run/profile
--tuning FILE` apply. The same record gives the same generated code.

Measuring: configuration j gives every op its j-th candidate (or its last one); one build and
one profiled run per configuration measure every op at once (per-op counts do not depend on
the other ops' kernels). A configuration whose outputs differ from the NumPy reference is
measured again one op at a time to find the culprit, which is then not chosen. A final run
with the chosen mix checks bit-exactness and gives the total. With priority "balanced" (the
default) or "ram", the fastest choice then goes through the same memory-aware selection as
compile (aot/driver/choose.py: select): an op whose DSP scratch would raise the arena gets a
leaner knob or the portable kernel, and the record holds that final choice, so compiling
with the record gives exactly the measured code whatever --priority says.

Record format (version 1):
    {"format": 1, "model": name, "sha256": model file hash, "board": name, "features": [...],
     "counter_unit": "instructions", "total": count, "bit_exact": true, "priority": "balanced",
     "ops": [{"index": i, "op": kind, "variant": "dsp", "measured": {"portable": n, "dsp": m}}]}
Op indices are those of the compiled graph (after the planner's op order).
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from aot.core.errors import AotError
from aot.driver import choose
from aot.driver.compiler import compile_file
from aot.driver.inputs import load_inputs
from aot.driver.runner import cache_root, run_on_board
from codegen_c.kernel import KernelChoice

FORMAT = 1


class TuningError(AotError):
    """A tuning record is malformed or does not belong to this model / board."""


@dataclass
class TuningRecord:
    model: str
    sha256: str
    board: str
    ops: list[dict] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    counter_unit: str = "instructions"
    total: int = 0
    bit_exact: bool = True
    priority: str = "balanced"  # informative: the --priority the record was tuned with

    def to_json(self) -> dict:
        return {"format": FORMAT, "model": self.model, "sha256": self.sha256, "board": self.board,
                "features": list(self.features), "counter_unit": self.counter_unit, "total": self.total,
                "bit_exact": self.bit_exact, "priority": self.priority, "ops": self.ops}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n")

    @staticmethod
    def from_json(data: dict, where: str = "tuning record") -> "TuningRecord":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise TuningError(f"{where}: not a microaot tuning record (format {FORMAT})")
        try:
            return TuningRecord(str(data["model"]), str(data["sha256"]), str(data["board"]), list(data["ops"]),
                                list(data.get("features", [])), data.get("counter_unit", "instructions"),
                                int(data.get("total", 0)), bool(data.get("bit_exact", True)),
                                str(data.get("priority", "balanced")))
        except (KeyError, TypeError, ValueError) as e:
            raise TuningError(f"{where}: malformed tuning record ({e})") from e

    @staticmethod
    def load(path: str | Path) -> "TuningRecord":
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as e:
            raise TuningError(f"cannot read tuning record {path}: {e}") from e
        return TuningRecord.from_json(data, str(path))

    def kernels_for(self, g, model_hash: str, board=None) -> dict[int, KernelChoice]:
        """{op index: KernelChoice} for the compiled graph ``g``; rejects another model's record."""
        if model_hash != self.sha256:
            raise TuningError(f"tuning record is for model {self.model!r} (sha256 {self.sha256[:12]}...), "
                              f"not this model (sha256 {model_hash[:12]}...)")
        if board is not None and board.name != self.board:
            raise TuningError(f"tuning record was measured on board {self.board!r}, not {board.name!r}")
        out = {}
        for entry in self.ops:
            i, kind = int(entry["index"]), entry["op"]
            if i >= len(g.ops) or g.ops[i].kind != kind:
                raise TuningError(f"tuning record: op {i} is {kind!r} in the record but "
                                  f"{g.ops[i].kind if i < len(g.ops) else 'missing'!r} in the model")
            out[i] = KernelChoice.parse(entry["variant"])
        return out


def _say(progress, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)


def tune(model: str | Path, board, *, inputs=None, seed: int = 0, build_root: Path | None = None,
         progress: bool = True, priority: str = "balanced") -> TuningRecord:
    """Measure the candidates of every op of ``model`` on ``board`` and return the record."""
    base = compile_file(model, board=board)
    g = base.graph
    feats = board.features
    cands = {i: choose.options(g, base.plan, i, feats) for i in range(len(g.ops))}
    data = load_inputs(g, inputs, seed)
    root = Path(build_root) if build_root else cache_root() / f"{g.name}-{base.model_hash[:12]}" / f"tune-{board.name}"
    measured: dict[int, dict[str, int]] = {i: {} for i in cands}
    bad: dict[int, set[str]] = {i: set() for i in cands}
    n = len(g.ops)

    def run(choice: dict, tag: str):
        record = TuningRecord(g.name, base.model_hash, board.name,
                              [{"index": i, "op": g.ops[i].kind, "variant": v.key} for i, v in sorted(choice.items())])
        cm = compile_file(model, board=board, tuning=record)
        return cm, run_on_board(cm, board, data, profile=True, build_dir=root / tag)

    rounds = max(len(c) for c in cands.values())
    for j in range(rounds):
        choice = {i: c[min(j, len(c) - 1)] for i, c in cands.items()}
        _say(progress, f"configuration {j + 1}/{rounds}: building and running ...")
        cm, r = run(choice, f"config{j}")
        suspects = [i for i in cands if cm.variants[i].key == choice[i].key and choice[i] != cands[i][0]]
        if not r.match:
            _say(progress, "  outputs differ from the reference: measuring its DSP ops one at a time")
            for i in suspects:
                one = {k: cands[k][0] for k in cands}
                one[i] = choice[i]
                _, ri = run(one, f"op{i}-{choice[i].key}")
                if not ri.match:
                    bad[i].add(choice[i].key)
        for i, count in enumerate(r.profile):
            key = cm.variants[i].key
            if key not in measured[i]:
                measured[i][key] = int(count)
                flag = " (not bit-exact)" if key in bad[i] else ""
                _say(progress, f"  op {i + 1}/{n} {g.ops[i].kind} {key}: {count:,} {r.counter_unit}{flag}")

    best = {}
    for i, c in cands.items():
        ok = {k: v for k, v in measured[i].items() if k not in bad[i]}
        first = cands[i][0].key  # the reference kernel: wins ties, and stands in when nothing else is exact
        key = min(ok, key=lambda k: (ok[k], k != first)) if ok else first
        best[i] = KernelChoice.parse(key)
    portable = compile_file(model)
    best = choose.select(portable.graph, portable.plan, feats, priority=priority, preferred=best)[0].kernels
    cm, r = run(best, "best")
    record = TuningRecord(g.name, base.model_hash, board.name,
                          [{"index": i, "op": g.ops[i].kind, "variant": best[i].key, "measured": measured[i]}
                           for i in sorted(best)], list(feats), r.counter_unit, int(r.counter), bool(r.match), priority)
    _say(progress, f"best: {r.counter:,} {r.counter_unit} per inference ({'bit-exact' if r.match else 'MISMATCH'})")
    if not r.match:
        raise TuningError("the tuned combination does not match the NumPy reference")
    return record
