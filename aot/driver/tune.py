"""Measured tuning: try each operator's candidate kernels, with each of their knob settings (the
options the policy models: aot/driver/choose.py ``options``), on a board, and write the choice
as a tuning record (JSON) that `compile/run/profile --tuning FILE` apply. The same record gives
the same generated code.

Measuring (``measure``): configuration j gives every op its j-th option (or its last one); one
build and one profiled run per configuration measure every op at once (per-op counts do not
depend on the other ops' kernels). A configuration whose outputs differ from the NumPy
reference is measured again one op at a time to find the culprit, which is then not chosen.
The choice is then compile's selection (aot/driver/choose.py: select) with the measured
instructions in place of the cost model's, for ``--priority`` (or ``--max-arena``): the
fastest measured options within that arena budget. The record holds that final choice, so
compiling with the record gives exactly the measured code whatever --priority says. A final
run with the chosen mix checks bit-exactness and gives the total. `microaot tune --refit` also
adds the measurements to the CPU's cost model and refits it (aot/driver/costfit.py).

Record format (version 1):
    {"format": 1, "model": name, "sha256": model file hash, "board": name, "features": [...],
     "counter_unit": "instructions", "total": count, "bit_exact": true, "priority": "balanced",
     "ops": [{"index": i, "op": kind, "variant": "dsp", "measured": {"portable": n, "dsp": m, "dsp:cols=0": k}}]}
Op indices are those of the compiled graph (after the planner's op order).
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from aot.core.errors import AotError, BuildError
from aot.driver import choose
from aot.driver.compiler import CompiledModel, compile_file
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


def _root(base: CompiledModel, board, build_root: Path | None) -> Path:
    """Where the measuring builds go (default: the model's cache folder)."""
    return Path(build_root) if build_root else cache_root() / f"{base.graph.name}-{base.model_hash[:12]}" / f"tune-{board.name}"


@dataclass
class Measurement:
    """Every option of every op of a compiled model, measured on a board."""

    compiled: CompiledModel  # the model compiled for the board (its graph and plan give the options)
    options: dict[int, list[KernelChoice]]
    counts: dict[int, dict[str, int]]  # op -> {option key: instructions (or cycles)}
    bad: dict[int, set[str]]  # op -> option keys whose outputs differ from the reference
    counter_unit: str = "instructions"


def measure(model: str | Path, board, *, inputs=None, seed: int = 0, build_root: Path | None = None,
            progress: bool = True, check: bool = True) -> Measurement:
    """Build and profile ``model`` on ``board`` once per configuration (module docstring); with
    ``check``, find the options whose outputs differ from the reference."""
    base = compile_file(model, board=board)
    g = base.graph
    cands = {i: choose.options(g, base.plan, i, board.features) for i in range(len(g.ops))}
    data = load_inputs(g, inputs, seed)
    root = _root(base, board, build_root)
    m = Measurement(base, cands, {i: {} for i in cands}, {i: set() for i in cands})

    def run(choice: dict, tag: str):
        record = TuningRecord(g.name, base.model_hash, board.name,
                              [{"index": i, "op": g.ops[i].kind, "variant": v.key} for i, v in sorted(choice.items())])
        cm = compile_file(model, board=board, tuning=record)
        return cm, run_on_board(cm, board, data, profile=True, build_dir=root / tag)

    def runs(choice: dict, tag: str) -> list:
        """[(cm, result)] of ``choice``; a build that does not fit the board (e.g. every option
        storing its weights wider at once) is split in two halves, the other ops on their first
        option, down to one op's option alone, which is then left unmeasured."""
        try:
            return [run(choice, tag)]
        except BuildError as e:
            moved = [i for i in choice if choice[i] != cands[i][0]]
            if len(moved) <= 1:
                _say(progress, f"  {tag}: {e}: not measured")
                return []
            _say(progress, f"  {tag}: {e}: measuring its ops in two halves")
            halves = (moved[: len(moved) // 2], moved[len(moved) // 2:])
            return [out for k, half in enumerate(halves)
                    for out in runs({i: (choice[i] if i in half else cands[i][0]) for i in choice}, f"{tag}-{k}")]

    rounds = max(len(c) for c in cands.values())
    for j in range(rounds):
        choice = {i: c[min(j, len(c) - 1)] for i, c in cands.items()}
        _say(progress, f"configuration {j + 1}/{rounds}: building and running ...")
        for cm, r in runs(choice, f"config{j}"):
            _record(m, cm, r, choice, cands, run, check, progress)
    return m


def _record(m: Measurement, cm, r, choice: dict, cands: dict, run, check: bool, progress) -> None:
    """Keep the per-op counts of one configuration's run; with ``check`` and outputs that differ
    from the reference, measure its moved ops one at a time to find the options at fault."""
    g, n = cm.graph, len(cm.graph.ops)
    m.counter_unit = r.counter_unit
    if check and not r.match:
        _say(progress, "  outputs differ from the reference: measuring its ops one at a time")
        for i in [i for i in cands if cm.variants[i].key == choice[i].key and choice[i] != cands[i][0]]:
            one = {k: cands[k][0] for k in cands}
            one[i] = choice[i]
            _, ri = run(one, f"op{i}-{choice[i].key}")
            if not ri.match:
                m.bad[i].add(choice[i].key)
    for i, count in enumerate(r.profile):
        key = cm.variants[i].key
        if key not in m.counts[i]:
            m.counts[i][key] = int(count)
            flag = " (not bit-exact)" if key in m.bad[i] else ""
            _say(progress, f"  op {i + 1}/{n} {g.ops[i].kind} {key}: {count:,} {r.counter_unit}{flag}")


def tune(model: str | Path, board, *, inputs=None, seed: int = 0, build_root: Path | None = None,
         progress: bool = True, priority: str = "balanced", max_arena: int | None = None,
         measured: Measurement | None = None) -> TuningRecord:
    """Measure the options of every op of ``model`` on ``board`` (or take ``measured``) and
    return the record of the fastest bit-exact choice within the budget."""
    m = measured or measure(model, board, inputs=inputs, seed=seed, build_root=build_root, progress=progress)
    g, base = m.compiled.graph, m.compiled
    costs = {i: {k: (math.inf if k in m.bad[i] else float(v)) for k, v in c.items()} for i, c in m.counts.items()}
    cm = compile_file(model, board=board, priority=priority, max_arena=max_arena, measured=costs)
    best = cm.variants
    root = _root(base, board, build_root)
    record = TuningRecord(g.name, base.model_hash, board.name,
                          [{"index": i, "op": g.ops[i].kind, "variant": best[i].key} for i in sorted(best)])
    cm = compile_file(model, board=board, tuning=record)
    r = run_on_board(cm, board, load_inputs(g, inputs, seed), profile=True, build_dir=root / "best")
    record = TuningRecord(g.name, base.model_hash, board.name,
                          [{"index": i, "op": g.ops[i].kind, "variant": best[i].key, "measured": m.counts[i]}
                           for i in sorted(best)], list(board.features), r.counter_unit, int(r.counter), bool(r.match),
                          priority)
    _say(progress, f"best: {r.counter:,} {r.counter_unit} per inference ({'bit-exact' if r.match else 'MISMATCH'})")
    if not r.match:
        raise TuningError("the tuned combination does not match the NumPy reference")
    return record
