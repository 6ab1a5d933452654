"""Speed benchmark: instructions per inference under QEMU (-icount shift=0, so these are
instructions, not cycles) for the portable C kernels and for the best variant the tuner finds
(`microaot tune`), per model and board, with instructions per MAC, code bytes (flash minus
weights) and weight bytes, the ratio to TFLM + CMSIS-NN on the same emulator, and whether the
outputs equal the NumPy reference bit for bit. Prints one table, writes JSON, and rewrites the
Speed section of docs/benchmarks.md.

    python benchmarks/speed.py [--boards qemu-mps2-an386 ...] [--models kws_ref_model_int8 ...]
                               [--json out.json] [--no-tune] [--no-doc]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import MODELS, markdown_table, provenance, update_doc_section, write_json

from aot.driver.compiler import compile_file
from aot.driver.reference import random_inputs
from aot.driver.runner import run_on_board
from aot.target.boards import load_board

HEADLINE = ["kws_ref_model_int8", "vww_96_int8", "ic_resnet8_int8", "ad01_int8", "person_detect_int8", "micro_speech_int8",
            "keyword_scrambled_int8", "mnist_lstm_int8"]
BOARDS = ["qemu-mps2-an386", "qemu-mps2-an500", "qemu-mps3-an547"]
ANCHOR_BOARD = "qemu-mps2-an386"
# Instructions per inference on qemu-mps2-an386 (-icount shift=0), tflite-micro with
# CMSIS-NN kernels and with its reference kernels (issue 8). Target: 0.7 x CMSIS-NN.
CMSIS_NN = {"kws_ref_model_int8": 7_700_080, "vww_96_int8": 24_102_360, "ic_resnet8_int8": 29_863_560,
            "ad01_int8": 583_080, "person_detect_int8": 22_928_840, "micro_speech_int8": 1_495_440,
            "keyword_scrambled_int8": 120_520, "mnist_lstm_int8": 574_960}
TFLM_REFERENCE = {"kws_ref_model_int8": 43_100_000, "vww_96_int8": 100_500_000, "ic_resnet8_int8": 107_500_000,
                  "ad01_int8": 1_950_000, "person_detect_int8": 95_900_000, "micro_speech_int8": 9_310_000,
                  "keyword_scrambled_int8": 258_960, "mnist_lstm_int8": 1_646_960}
TARGET = 0.7
CODE_LIMIT = 16 * 1024


def run(path: Path, board, tuning, build_dir: Path, seed: int = 5):
    cm = compile_file(path, board=board if tuning is not False else None, tuning=tuning or None)
    result = run_on_board(cm, board, random_inputs(cm.graph, seed), build_dir=build_dir)
    return cm, result


def measure(name: str, board_name: str, *, tune: bool = True, work: Path | None = None) -> dict:
    """One row: portable vs best (tuned, else the board's default variants) on one board."""
    from aot.driver.tune import tune as tune_model

    path = MODELS / f"{name}.tflite"
    board = load_board(board_name)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(work or tmp)
        cm_p, portable = run(path, board, False, work / "portable")
        record = tune_model(path, board, build_root=work / "tune", progress=False) if tune else None
        cm_b, best = run(path, board, record, work / "best")
    macs = cm_b.macs
    weights = best.firmware.meta["weights_bytes"]
    row = {
        "model": name, "board": board_name, "unit": best.counter_unit, "macs": macs,
        "portable": portable.counter, "best": best.counter,
        "portable_per_mac": round(portable.counter / macs, 3) if macs else None,
        "best_per_mac": round(best.counter / macs, 3) if macs else None,
        "speedup": round(portable.counter / best.counter, 2),
        "dsp_ops": sum(v.name != "portable" for v in cm_b.variants.values()), "ops": len(cm_b.graph.ops),
        "code_bytes": best.firmware.build.flash_bytes - weights, "weight_bytes": weights,
        "portable_code_bytes": portable.firmware.build.flash_bytes - portable.firmware.meta["weights_bytes"],
        "arena_bytes": cm_b.plan.arena_bytes,
        "bit_exact": bool(portable.match and best.match and portable.max_abs_diff == 0 == best.max_abs_diff),
        "tuned": record is not None,
    }
    if board_name == ANCHOR_BOARD and name in CMSIS_NN:
        row.update(cmsis_nn=CMSIS_NN[name], vs_cmsis_nn=round(best.counter / CMSIS_NN[name], 3),
                   tflm_reference=TFLM_REFERENCE[name], meets_target=best.counter <= TARGET * CMSIS_NN[name])
    return row


HEADERS = ["model", "board", "portable", "best", "speedup", "best instr/MAC", "DSP ops", "code B", "weights B",
           "TFLM+CMSIS-NN", "best / CMSIS-NN", "bit-exact"]


def table_rows(rows: list[dict]) -> list[list]:
    out = []
    for r in rows:
        anchor = f"{r['cmsis_nn']:,}" if "cmsis_nn" in r else ""
        ratio = (f"{r['vs_cmsis_nn']:.2f}" + (" ✓" if r["meets_target"] else " ✗")) if "cmsis_nn" in r else ""
        code = f"{r['code_bytes']:,}" + ("" if r["code_bytes"] <= CODE_LIMIT else " (over 16 KiB)")
        out.append([r["model"], r["board"], f"{r['portable']:,}", f"{r['best']:,}", f"{r['speedup']:.2f}x",
                    "" if r["best_per_mac"] is None else f"{r['best_per_mac']:.2f}", f"{r['dsp_ops']}/{r['ops']}",
                    code, f"{r['weight_bytes']:,}", anchor, ratio, "yes" if r["bit_exact"] else "NO"])
    return out


def section(rows: list[dict]) -> str:
    text = markdown_table(HEADERS, table_rows(rows))
    return (f"## Speed\n\nMeasured {provenance()}. Instructions per inference under QEMU 7.2 with "
            f"`-icount shift=0` (instructions, not cycles), random int8 inputs; `portable`: the portable C "
            f"kernels; `best`: the per-op variants `microaot tune` keeps (DSP kernels with SMLAD on the "
            f"Cortex-M4/M7/M55 boards) with the default `--priority balanced`: no DSP scratch that would raise "
            f"the arena above the portable build's (docs/architecture.md, Kernel variants and RAM; the arenas are "
            f"in the Memory section). Code B = flash (.text + .rodata + .data) minus weight bytes (weights "
            f"include the pre-arranged DSP weights and requantisation tables); limit 16 KiB. TFLM + CMSIS-NN "
            f"anchors measured on qemu-mps2-an386 on the same emulator; target best / CMSIS-NN <= {TARGET}. "
            f"`python benchmarks/speed.py` regenerates this table.\n\n{text}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="*", default=HEADLINE)
    ap.add_argument("--boards", nargs="*", default=BOARDS)
    ap.add_argument("--json", help="write the rows as JSON here")
    ap.add_argument("--no-tune", action="store_true", help="best = the board's default variants, not tuned")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = ap.parse_args()
    rows = []
    jobs = [(m, b) for b in args.boards for m in args.models]
    for i, (name, board) in enumerate(jobs, 1):
        print(f"[{i}/{len(jobs)}] {name} on {board} ...", file=sys.stderr, flush=True)
        rows.append(measure(name, board, tune=not args.no_tune))
    print(markdown_table(HEADERS, table_rows(rows)))
    write_json(args.json, rows)
    if not args.no_doc:
        update_doc_section("speed", section(rows))
    return 0 if all(r["bit_exact"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
