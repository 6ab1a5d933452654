"""Blocks benchmark: the multi-op blocks of tests/op_models/blocks.py (MobileNetV2 inverted residual,
squeeze-excite, detector head, attention, audio front; int8 post-training quantised and float32),
compiled for qemu-mps2-an386 with the default priority: our arena beside tflite-micro's smallest
arena (bisected to the byte in this run) and the largest op's inputs + outputs, instructions per
inference under QEMU (-icount shift=0) and per MAC, code bytes, and whether the outputs equal the
NumPy reference bit for bit (int8) or within tolerance (float32). Prints one table, writes JSON,
and rewrites the Blocks section of docs/benchmarks.md.

    python benchmarks/blocks.py [--blocks attention ...] [--json out.json] [--no-doc]
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

import numpy as np
from common import markdown_table, provenance, update_doc_section, write_json

from aot.driver.compiler import compile_graph
from aot.driver.runner import run_on_board
from aot.frontends.tflite import load_tflite
from aot.target.boards import load_board
from tests.op_models import random_inputs
from tests.op_models.blocks import BLOCKS, make_block
from tests.tflm import tflm_min_arena

BOARD = "qemu-mps2-an386"
DTYPES = ("int8", "float32")


def measure(name: str, dtype: str, seed: int = 0) -> dict:
    model = make_block(name, seed, dtype)
    g = load_tflite(model)
    g.name = f"{name}_{dtype}"
    board = load_board(BOARD)
    cm = compile_graph(g, Path(f"{g.name}.tflite"), hashlib.sha256(model).hexdigest(), board=board)
    inputs = dict(zip(g.inputs, random_inputs(model, np.random.default_rng(seed))))
    with tempfile.TemporaryDirectory() as work:
        result = run_on_board(cm, board, inputs, build_dir=Path(work))
    exact = result.match and (dtype != "int8" or result.max_abs_diff == 0)
    weights = result.firmware.meta["weights_bytes"]
    tflm = tflm_min_arena(model, granularity=1)
    return {
        "block": name, "dtype": dtype, "ops": len(cm.graph.ops), "macs": cm.macs, "arena_bytes": cm.plan.arena_bytes,
        "largest_op_bytes": cm.plan.largest_op_bytes, "tflm_min_arena": tflm,
        "vs_tflm_arena": round(cm.plan.arena_bytes / tflm, 3), "instructions": result.counter,
        "per_mac": round(result.counter / cm.macs, 2) if cm.macs else None,
        "code_bytes": result.firmware.build.flash_bytes - weights, "weight_bytes": weights, "matches": bool(exact),
    }


HEADERS = ["block", "dtype", "ops", "MACs", "arena B", "largest op B", "TFLM arena B", "arena / TFLM",
           "instructions", "instr/MAC", "code B", "matches"]


def table_rows(rows: list[dict]) -> list[list]:
    return [[r["block"], r["dtype"], r["ops"], f"{r['macs']:,}", f"{r['arena_bytes']:,}", f"{r['largest_op_bytes']:,}",
             f"{r['tflm_min_arena']:,}", f"{r['vs_tflm_arena']:.2f}", f"{r['instructions']:,}",
             "" if r["per_mac"] is None else f"{r['per_mac']:.2f}", f"{r['code_bytes']:,}",
             "yes" if r["matches"] else "NO"] for r in rows]


def section(rows: list[dict]) -> str:
    return (f"## Blocks\n\nMeasured {provenance()}. The multi-op blocks of `tests/op_models/blocks.py` (seed 0; "
            f"int8 post-training quantised from the float32 weights) on {BOARD} with the default kernels and "
            f"`--priority balanced`: arena beside tflite-micro's smallest arena (which also holds TFLM's own "
            f"bookkeeping) and the largest single op's inputs + outputs; instructions per inference under QEMU "
            f"with `-icount shift=0`; `matches`: the outputs equal the NumPy reference (int8 bit for bit). "
            f"`python benchmarks/blocks.py` regenerates this table.\n\n{markdown_table(HEADERS, table_rows(rows))}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", nargs="*", default=list(BLOCKS), choices=list(BLOCKS))
    ap.add_argument("--json", help="write the rows as JSON here")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = ap.parse_args()
    jobs = [(b, d) for b in args.blocks for d in DTYPES]
    rows = []
    for i, (name, dtype) in enumerate(jobs, 1):
        print(f"[{i}/{len(jobs)}] {name} {dtype} ...", file=sys.stderr, flush=True)
        rows.append(measure(name, dtype))
    print(markdown_table(HEADERS, table_rows(rows)))
    write_json(args.json, rows)
    if not args.no_doc:
        update_doc_section("blocks", section(rows))
    return 0 if all(r["matches"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
