"""Memory benchmark: per model, our arena beside the largest single op's inputs + outputs and
tflite-micro's smallest arena, bisected to the byte in this same run (one process per probe),
the arena of the qemu-mps2-an386 build (DSP kernels, default priority "balanced"),
plus the wall time of `microaot compile` (import, plan, C sources; median of 3). Prints one table, writes JSON, and rewrites the Memory
section of docs/benchmarks.md.

    python benchmarks/memory.py [--models kws_ref_model_int8 ...] [--json out.json] [--no-doc]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import FLOAT_MODELS, INT8_MODELS, MODELS, markdown_table, provenance, update_doc_section, write_json

from aot.driver.compiler import compile_file, emit
from aot.driver.report import largest_op_keys
from aot.target.boards import load_board
from tests.tflm import tflm_min_arena

DSP_BOARD = "qemu-mps2-an386"


def measure(name: str) -> dict:
    path = MODELS / f"{name}.tflite"
    times = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            cm = compile_file(path)
            emit(cm, Path(out))
            times.append(time.perf_counter() - t0)
    dsp = compile_file(path, board=load_board(DSP_BOARD))
    tflm = tflm_min_arena(path.read_bytes(), granularity=1)
    return {
        "model": name, "arena_bytes": cm.plan.arena_bytes, **largest_op_keys(cm.plan.largest_op_bytes),
        "tflm_min_arena": tflm, "vs_bound": round(cm.plan.arena_bytes / cm.plan.largest_op_bytes, 3),
        "state_bytes": cm.plan.state_bytes,
        "vs_tflm": round((cm.plan.arena_bytes + cm.plan.state_bytes) / tflm, 3), "planner": cm.plan.planner,
        "in_place_ops": len(cm.plan.in_place), "compile_seconds": round(statistics.median(times), 3),
        "dsp_arena_bytes": dsp.plan.arena_bytes, "dsp_ops": sum(v.name != "portable" for v in dsp.variants.values()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="*", default=INT8_MODELS + FLOAT_MODELS)
    ap.add_argument("--json", help="write the rows as JSON here")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = ap.parse_args()
    rows = []
    for i, name in enumerate(args.models, 1):
        print(f"[{i}/{len(args.models)}] {name} ...", file=sys.stderr, flush=True)
        rows.append(measure(name))
    headers = ["model", "arena B", "state B", "an386 (DSP) arena B", "largest op in+out B", "TFLM min arena B",
               "arena / largest op", "(arena + state) / TFLM", "planner", "in-place ops", "compile s"]
    table = [[r["model"], f"{r['arena_bytes']:,}", f"{r['state_bytes']:,}", f"{r['dsp_arena_bytes']:,} ({r['dsp_ops']} DSP ops)",
              f"{r['largest_op_bytes']:,}", f"{r['tflm_min_arena']:,}", f"{r['vs_bound']:.2f}", f"{r['vs_tflm']:.2f}",
              r["planner"], r["in_place_ops"], r["compile_seconds"]] for r in rows]
    text = markdown_table(headers, table)
    print(text)
    write_json(args.json, rows)
    if not args.no_doc:
        update_doc_section("memory", f"## Memory\n\nMeasured {provenance()}. TFLM: tflite-micro's Python interpreter "
                           f"(x86-64, 64-bit pointers), smallest `arena_size` that runs the model, bisected to the byte. "
                           f"an386 (DSP): the arena of the qemu-mps2-an386 build with its DSP kernels and the default "
                           f"`--priority balanced` (docs/architecture.md, Kernel variants and RAM). State B: the state area of "
                           f"the stateful models (SVDF/LSTM variable tensors, kept between inferences, planned apart from "
                           f"the arena); TFLM's arena holds those tensors too, so the ratio compares arena + state.\n\n{text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
