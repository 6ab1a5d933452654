"""Fit the kernels' cost model (codegen_c/cost.py) to QEMU measurements: every option (kernel and
knob setting) of every op that has a choice, in the models of models/ and in random single-op
models (tests/op_models: every int8 / int16 generator whose op has a choice on the board, a few
seeds), profiled with `microaot tune`'s measuring code (aot/driver/tune.py: measure). Writes
codegen_c/costs/<cpu>.json (the coefficients) and <cpu>.points.json (the measurements), and
prints the fitted coefficients with each kernel's fit error. Re-run it after changing a kernel.

    python benchmarks/fit_costs.py [--boards qemu-mps2-an386 qemu-mps3-an547] [--seeds 3] [--no-random]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from common import FLOAT_MODELS, INT8_MODELS, MODELS

from aot.driver import choose, costfit
from aot.driver.compiler import compile_file
from aot.driver.tune import measure
from aot.target.boards import load_board
from tests.op_models import CASES, make

BOARDS = ("qemu-mps2-an386", "qemu-mps3-an547")
DTYPES = ("int8", "int16")


def has_choice(path: Path, board) -> bool:
    cm = compile_file(path, board=board)
    return any(len(choose.options(cm.graph, cm.plan, i, board.features)) > 1 for i in range(len(cm.graph.ops)))


def model_files(folder: Path, seeds: int, random_ops: bool) -> list[Path]:
    """The bundled models, then the random single-op models written to ``folder``."""
    files = [MODELS / f"{m}.tflite" for m in INT8_MODELS + FLOAT_MODELS]
    if random_ops:
        for op, dtype in CASES:
            if dtype in DTYPES:
                for seed in range(seeds):
                    path = folder / f"{op}_{dtype}_{seed}.tflite"
                    path.write_bytes(make(op, seed, dtype))
                    files.append(path)
    return files


def fit_board(name: str, files: list[Path], build_root: Path) -> None:
    board = load_board(name)
    t0, pts = time.perf_counter(), []
    todo = [f for f in files if has_choice(f, board)]
    for k, path in enumerate(todo):
        print(f"[{name}] {k + 1}/{len(todo)} {path.stem} ...", file=sys.stderr, flush=True)
        m = measure(path, board, build_root=build_root / name / path.stem, progress=False, check=False)
        pts += costfit.points(m, path.stem)
    kernels = costfit.refit(board, pts, replace_all=True)
    print(f"\n{name} ({board.cpu}): {len(pts)} points from {len(todo)} models, {time.perf_counter() - t0:.0f} s")
    print(costfit.report(kernels))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--boards", nargs="+", default=list(BOARDS))
    ap.add_argument("--seeds", type=int, default=3, help="random single-op models per generator (default 3)")
    ap.add_argument("--no-random", action="store_true", help="the bundled models only")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = model_files(Path(tmp), args.seeds, not args.no_random)
        for name in args.boards:
            fit_board(name, files, Path(tmp) / "build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
