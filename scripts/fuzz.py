#!/usr/bin/env python3
"""Fuzz `microaot inspect` + `microaot compile` with mutants of the bundled models and semantic
nonsense built with the test builders (tests/fuzz, docs/fuzzing.md).

    python scripts/fuzz.py --cases 100000 --seed 1 --jobs 2 [--out fuzz-out] [--timeout 20]

Prints the counts (success, clean error, uncaught, hang, crash) and each uncaught class with its
number of cases; one reproducer per class is saved to --out (rebuild any case with --index).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.harness import KINDS, make_case, run_cases  # noqa: E402 - after the path set-up


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--first", type=int, default=0, help="index of the first case (default 0)")
    p.add_argument("--index", type=int, nargs="+", help="run only these case indices (a reproducer's index)")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per command before a case is a hang")
    p.add_argument("--out", type=Path, default=Path("fuzz-out"), help="folder for one reproducer per class")
    p.add_argument("--json", action="store_true", help="also write --out/results.json (every case)")
    p.add_argument("--debug", action="store_true",
                   help="MICROAOT_DEBUG=1: importer exceptions the ONNX frontend reports as 'cannot convert this "
                        "node' surface as uncaught")
    args = p.parse_args()
    if args.debug:
        os.environ["MICROAOT_DEBUG"] = "1"
    indices = args.index or list(range(args.first, args.first + args.cases))
    t0 = time.perf_counter()
    report = run_cases(args.seed, indices, jobs=args.jobs, timeout=args.timeout)
    counts = report.counts()
    print(f"{len(report.results)} cases, seed {args.seed}, {time.perf_counter() - t0:.0f} s")
    for kind in KINDS:
        print(f"  {kind:9} {counts.get(kind, 0):7}")
    classes = report.classes()
    if classes:
        args.out.mkdir(parents=True, exist_ok=True)
        print(f"{len(classes)} classes (cases, class, reproducer, first message):")
    for cls, cases in classes.items():
        first = min(cases, key=lambda r: r["index"])
        name, suffix, data = make_case(args.seed, first["index"])
        repro = args.out / f"seed{args.seed}-case{first['index']}{suffix}"
        repro.write_bytes(data)
        print(f"  {len(cases):6}  {cls}\n          {repro} ({name}): {first['message'][:160]}")
    if args.json:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(sorted(report.results, key=lambda r: r["index"]), indent=0))
    return 1 if classes else 0


if __name__ == "__main__":
    sys.exit(main())
