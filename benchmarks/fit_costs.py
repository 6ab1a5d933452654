"""Fit the kernels' cost model (codegen_c/cost.py) to QEMU measurements: every option (kernel and
knob setting) of every op that has a choice, in the models of models/ and in random single-op
models (tests/op_models: every int8 / int16 generator whose op has a choice on the board, a few
seeds), profiled with `microaot tune`'s measuring code (aot/driver/tune.py: measure). Writes
codegen_c/costs/<cpu>.json (the coefficients) and <cpu>.points.json (the measurements), and
prints the fitted coefficients with each kernel's fit error and how well the model chooses.
Re-run it after changing a kernel: the boards are measured in parallel, about 10 minutes for both
on two cores. ``--reuse``: no measuring; the stored points get the current cost
terms and keys (after a change of codegen_c/cost.py) and the model is refitted from them.

    python benchmarks/fit_costs.py [--boards qemu-mps2-an386 qemu-mps3-an547] [--seeds 2] [--no-random] [--reuse]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
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


def random_model(folder: Path, op: str, dtype: str, seed: int) -> Path:
    """The random single-op model (op, dtype, seed), written to ``folder`` as <op>_<dtype>_<seed>.tflite."""
    path = folder / f"{op}_{dtype}_{seed}.tflite"
    if not path.exists():
        path.write_bytes(make(op, seed, dtype))
    return path


def model_files(folder: Path, seeds: int, random_ops: bool) -> list[Path]:
    """The bundled models, then the random single-op models written to ``folder``."""
    files = [MODELS / f"{m}.tflite" for m in INT8_MODELS + FLOAT_MODELS]
    if random_ops:
        files += [random_model(folder, op, dtype, seed) for op, dtype in CASES if dtype in DTYPES for seed in range(seeds)]
    return files


def summary(title: str, pts: list[dict], kernels: dict[str, dict]) -> str:
    return f"\n{title}\n{costfit.report(kernels)}\n{costfit.choices_text(costfit.choices(pts, kernels))}"


def refit_stored(name: str, folder: Path) -> str:
    """Refit ``name``'s CPU from its stored points, their terms and keys computed again."""
    board = load_board(name)

    def model_file(source: str) -> Path:
        bundled = MODELS / f"{source}.tflite"
        if bundled.exists():
            return bundled
        op, dtype, seed = source.rsplit("_", 2)
        return random_model(folder, op, dtype, int(seed))

    pts = costfit.recompute(costfit.load_points(board.cpu), board, model_file)
    kernels = costfit.refit(board, pts, replace_all=True)
    return summary(f"{name} ({board.cpu}): {len(pts)} stored points refitted", pts, kernels)


def fit_board(name: str, files: list[Path], build_root: Path) -> str:
    """Measure ``files`` on board ``name`` and refit its CPU from them; the summary."""
    board = load_board(name)
    t0, pts = time.perf_counter(), []
    todo = [f for f in files if has_choice(f, board)]
    for k, path in enumerate(todo):
        print(f"[{name}] {k + 1}/{len(todo)} {path.stem} ...", file=sys.stderr, flush=True)
        m = measure(path, board, build_root=build_root / name / path.stem, progress=False, check=False)
        pts += costfit.points(m, path.stem)
    kernels = costfit.refit(board, pts, replace_all=True)
    return summary(f"{name} ({board.cpu}): {len(pts)} points from {len(todo)} models, {time.perf_counter() - t0:.0f} s",
                   pts, kernels)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--boards", nargs="+", default=list(BOARDS))
    ap.add_argument("--seeds", type=int, default=2, help="random single-op models per generator (default 2)")
    ap.add_argument("--no-random", action="store_true", help="the bundled models only")
    ap.add_argument("--reuse", action="store_true", help="measure nothing: refit the stored points with the current terms")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.reuse:
            for name in args.boards:
                print(refit_stored(name, Path(tmp)))
            return 0
        files = model_files(Path(tmp), args.seeds, not args.no_random)
        n = len(args.boards)
        with ProcessPoolExecutor(n) as pool:  # one process per board: QEMU runs one core each
            for text in pool.map(fit_board, args.boards, [files] * n, [Path(tmp) / "build"] * n):
                print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
