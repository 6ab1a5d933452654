"""Run fuzz cases through `microaot inspect` and `microaot compile` (in-process, aot.cli.main) and
classify each: success, clean error (exit 2, one line), uncaught (exit 3 or an escaping exception:
class = exception type + the innermost project frame), hang (over the per-case time limit).

Cases are numbered: case i of seed S is made from numpy's default_rng([S, i]), so any case can be
rebuilt from (seed, index) alone. Workers are processes; one that dies (a crash in native code)
costs only its current case, recorded as "crash".
"""
from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import re
import resource
import signal
import tempfile
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from aot import cli
from tests.fuzz.mutate import mutate
from tests.fuzz.semantic_onnx import onnx_mutant
from tests.fuzz.semantic_tflite import tflite_mutant

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("success", "clean", "uncaught", "hang", "crash")
MEMORY_LIMIT = 4 << 30  # per worker: a mutant asking for a huge array gets a MemoryError, not the OOM killer


def bundled_models() -> list[Path]:
    return sorted(ROOT.glob("models/*.tflite")) + sorted(ROOT.glob("models/onnx/**/*.onnx"))


def _case(kind: str, rng: np.random.Generator, model: Path | None = None) -> tuple[str, str, bytes]:
    """(case name, file suffix, model bytes): a byte mutant of ``model``, or a semantic mutant."""
    if kind == "bytes":
        how, data = mutate(model.read_bytes(), rng)
        return f"bytes:{model.relative_to(ROOT / 'models')}:{how}", model.suffix, data
    how, data = {"tflite": tflite_mutant, "onnx": onnx_mutant}[kind](rng)
    return f"{kind}:{how}", f".{kind}", data


def make_case(seed: int, index: int, models: list[Path] | None = None) -> tuple[str, str, bytes]:
    """Case ``index`` of scripts/fuzz.py: half byte mutants of a random bundled model, the rest
    semantic TFLite (3/10) and ONNX (2/10) mutants."""
    rng = np.random.default_rng([seed, index])
    models = models or bundled_models()
    r = rng.random()
    if r < 0.5:
        return _case("bytes", rng, models[int(rng.integers(len(models)))])
    return _case("tflite" if r < 0.8 else "onnx", rng)


def suite_case(seed: int, index: int, models: list[Path] | None = None) -> tuple[str, str, bytes]:
    """The suite's mix (tests/fuzz/test_fuzz_models.py): every 4th case a byte mutant of the
    bundled models in turn (each gets one in every 4 x len(models) cases), the rest semantic
    mutants (TFLite 2 : ONNX 1), which run in a fraction of a big model's time."""
    rng = np.random.default_rng([seed, index])
    models = models or bundled_models()
    if index % 4 == 0:
        return _case("bytes", rng, models[index // 4 % len(models)])
    return _case("onnx" if index % 4 == 3 else "tflite", rng)


class _Hang(BaseException):
    """The case ran over its time limit (a BaseException: the CLI's `except Exception` lets it through)."""


_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+), in ')


def _innermost_project_frame(trace: str) -> str:
    """file:line of the innermost frame of ours (aot/, codegen_c/, ...) in the last traceback of ``trace``."""
    last = trace.rsplit("Traceback (most recent call last):", 1)[-1]
    frames = [m for m in map(_FRAME.match, last.splitlines()) if m]
    ours = [m for m in frames if m["file"].startswith(str(ROOT)) and "/tests/" not in m["file"]] or frames
    if not ours:
        return "?"
    return f"{os.path.relpath(ours[-1]['file'], ROOT)}:{ours[-1]['line']}"


def _run_cli(argv: list[str], timeout: float) -> tuple[str, str, str]:
    """(kind, class, message) of one `microaot` command, run in this process."""
    out, err = io.StringIO(), io.StringIO()
    signal.signal(signal.SIGALRM, _raise_hang)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(["-v", *argv])
            except SystemExit as e:  # argparse: not expected for valid command lines
                code = e.code if isinstance(e.code, int) else 2
            except Exception as e:  # escaped the CLI's own handler
                return "uncaught", f"{type(e).__name__} at {_innermost_project_frame(traceback.format_exc())}", str(e)
    except _Hang:
        return "hang", "hang", f"over {timeout:g} s"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    text = err.getvalue()
    message = next((ln[len("microaot: error: "):] for ln in reversed(text.splitlines())
                    if ln.startswith("microaot: error: ")), "")
    if code == 0:
        return "success", "", ""
    if code == 2:
        return "clean", "", message
    exc = re.match(r"internal error: (\w+)", message)
    where = _innermost_project_frame(text)
    return "uncaught", f"{exc[1] if exc else f'exit {code}'} at {where}", message


def _raise_hang(signum, frame):
    raise _Hang


def run_model(path: Path, workdir: Path, timeout: float = 20.0) -> tuple[str, str, str]:
    """(kind, class, message) of `inspect` then `compile` of one model file: the worse of the two."""
    results = []
    for step, argv in (("inspect", ["inspect", str(path)]),
                       ("compile", ["compile", str(path), "-o", str(workdir / "out")])):
        kind, cls, message = _run_cli(argv, timeout)
        results.append((KINDS.index(kind), kind, f"{step}: {cls}" if cls else "", message))
        if kind in ("uncaught", "hang"):
            break
        _clear(workdir / "out")
    worst = max(results)
    return worst[1], worst[2], worst[3]


def _clear(folder: Path) -> None:
    if folder.is_dir():
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


def _worker(seed: int, indices: list[int], log: Path, timeout: float, maker) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    models = bundled_models()
    with tempfile.TemporaryDirectory(prefix="microaot-fuzz-") as tmp, open(log, "a") as f:
        work = Path(tmp)
        for i in indices:
            f.write(json.dumps({"start": i}) + "\n")
            f.flush()
            name, suffix, data = maker(seed, i, models)
            path = work / f"case{suffix}"
            path.write_bytes(data)
            kind, cls, message = run_model(path, work, timeout)
            f.write(json.dumps({"index": i, "name": name, "kind": kind, "class": cls, "message": message[:300]}) + "\n")
            f.flush()
            _clear(work / "out")


@dataclass
class Report:
    seed: int
    results: list[dict] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(r["kind"] for r in self.results)

    def classes(self) -> dict[str, list[dict]]:
        """uncaught / hang / crash class -> its cases, most frequent first."""
        by: dict[str, list[dict]] = {}
        for r in self.results:
            if r["kind"] not in ("success", "clean"):
                by.setdefault(r["class"], []).append(r)
        return dict(sorted(by.items(), key=lambda kv: -len(kv[1])))


def run_cases(seed: int, indices: list[int], jobs: int = 1, timeout: float = 20.0, maker=make_case) -> Report:
    """Run the cases ``maker(seed, index)`` (make_case, suite_case) in ``jobs`` worker processes;
    a worker that dies is restarted after its current case."""
    report = Report(seed)
    ctx = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="microaot-fuzz-logs-") as tmp:
        pending = {k: indices[k::jobs] for k in range(jobs)}
        while pending:
            procs = {}
            for k, part in pending.items():
                log = Path(tmp) / f"worker{k}.jsonl"
                log.write_text("")
                procs[k] = (ctx.Process(target=_worker, args=(seed, part, log, timeout, maker)), log, part)
                procs[k][0].start()
            pending = {}
            for k, (proc, log, part) in procs.items():
                proc.join()
                done, started = set(), None
                for line in log.read_text().splitlines():
                    rec = json.loads(line)
                    if "start" in rec:
                        started = rec["start"]
                    else:
                        report.results.append(rec)
                        done.add(rec["index"])
                if proc.exitcode != 0 and (started is None or started in done):
                    raise RuntimeError(f"fuzz worker {k} died outside a case (exit {proc.exitcode}): a harness bug")
                if proc.exitcode != 0:
                    name = maker(seed, started)[0]
                    report.results.append({"index": started, "name": name, "kind": "crash",
                                           "class": f"crash (exit {proc.exitcode})", "message": ""})
                    done.add(started)
                rest = [i for i in part if i not in done] if proc.exitcode != 0 else []
                if rest:
                    pending[k] = rest
    return report

