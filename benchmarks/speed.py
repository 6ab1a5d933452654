"""Speed benchmark: instructions per inference under QEMU (-icount shift=0, so these are
instructions, not cycles), per model and board: the portable C kernels beside the default
build (`--priority balanced`), with instructions per MAC, code and weight bytes, the ratio to
the TFLM anchors measured on the same emulator, and whether the outputs equal the NumPy
reference (int8: bit for bit). Then the kernel-choice policy per model (ram / balanced / speed:
arena bytes and instructions) and, per board, instructions per MAC of each op class (from the
per-op profile of `--priority speed`) beside its practical limit. Prints the tables, writes
JSON, and rewrites the Speed section of docs/benchmarks.md.

    python benchmarks/speed.py [--boards qemu-mps2-an386 ...] [--models kws_ref_model_int8 ...]
                               [--jobs 2] [--json out.json] [--no-doc]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from common import (
    FLOAT_MODELS,
    INT8_MODELS,
    MODELS,
    markdown_table,
    provenance,
    update_doc_section,
    write_json,
)

from aot import ops
from aot.core.errors import AotError, BuildError
from aot.core.ir import Graph, Op
from aot.driver.compiler import CompiledModel, compile_file
from aot.driver.reference import random_inputs
from aot.driver.runner import RunResult, cache_root, run_on_board
from aot.target.boards import list_boards, load_board

BOARDS = ["qemu-mps2-an386", "qemu-mps2-an500", "qemu-mps3-an547", "qemu-riscv32-virt"]
POLICY_BOARD = "qemu-mps2-an386"  # the policy table's board (issue 16)
POLICY = ("ram", "balanced", "speed")  # slowest to fastest, smallest arena to largest
DEFAULT = "balanced"
PROFILED = "speed"  # the per-op-class table is of the fastest choice, as issue 16's table
CODE_LIMIT = 16 * 1024


@dataclass(frozen=True)
class Anchor:
    """Instructions per inference of another runtime on one board, measured on the same emulator."""
    board: str
    name: str
    origin: str
    target: float | None  # ours (default build) / anchor must be <= target; None: for orientation
    instructions: dict[str, int]


ANCHORS = (
    Anchor("qemu-mps2-an386", "TFLM + CMSIS-NN",
           "tflite-micro with CMSIS-NN kernels, gcc 12.2 -O2, qemu-mps2-an386 -icount shift=0 (issue 8); "
           "target <= 0.55x: issue 16", 0.55,
           {"kws_ref_model_int8": 7_700_080, "vww_96_int8": 24_102_360, "ic_resnet8_int8": 29_863_560,
            "ad01_int8": 583_080, "person_detect_int8": 22_928_840, "micro_speech_int8": 1_495_440,
            "keyword_scrambled_int8": 120_520, "mnist_lstm_int8": 574_960}),
    Anchor("qemu-mps2-an386", "TFLM reference kernels",
           "tflite-micro with its reference kernels, qemu-mps2-an386 -icount shift=0 (issue 8)", None,
           {"kws_ref_model_int8": 43_100_000, "vww_96_int8": 100_500_000, "ic_resnet8_int8": 107_500_000,
            "ad01_int8": 1_950_000, "person_detect_int8": 95_900_000, "micro_speech_int8": 9_310_000,
            "keyword_scrambled_int8": 258_960, "mnist_lstm_int8": 1_646_960}),
    Anchor("qemu-mps3-an547", "TFLM + CMSIS-NN (MVE)",
           "tflite-micro with CMSIS-NN's Helium kernels, qemu-mps3-an547 -icount shift=0, 31.25 instructions "
           "per 32 MHz tick (issue 17); target <= 0.7x: issue 17", 0.7,
           {"kws_ref_model_int8": 1_813_812, "vww_96_int8": 6_558_656, "ic_resnet8_int8": 4_910_281,
            "ad01_int8": 150_125}),
    Anchor("qemu-riscv32-virt", "TFLM reference kernels",
           "tflite-micro with its reference kernels on rv32imac, qemu-riscv32-virt -icount shift=0 (issue 17); "
           "target <= 0.5x: issue 17", 0.5,
           {"kws_ref_model_int8": 44_311_300, "vww_96_int8": 109_927_900, "ic_resnet8_int8": 125_528_600,
            "ad01_int8": 2_480_700}),
)


# Issue 16's done-when for the float models: instructions per MAC of the whole default build.
PER_MAC_TARGETS = {("qemu-mps2-an386", "vww_96_float32"): 3.5, ("qemu-mps2-an386", "ic_resnet8_float32"): 3.5}


def anchors_of(board: str, model: str) -> list[Anchor]:
    return [a for a in ANCHORS if a.board == board and model in a.instructions]


@dataclass(frozen=True)
class OpClass:
    """A class of conv / depthwise / FC ops with issue 16's practical limit on a Cortex-M4 (SMLAD)
    and its done-when target, in instructions per MAC of the class's ops together (MAC-weighted:
    a small op's count is mostly its fixed cost, and counted in whole timer ticks on the Arm boards)."""
    name: str
    limit: str = ""  # "" where the issue states none
    target: float | None = None


# Issue 16: "1x1 conv with small K and the 3-channel first conv within 25% of the limits": of the
# upper end of the 1x1 range (1.25 x 2.3) and of the first conv's 1.5.
CLASSES = (
    OpClass("conv 3x3", "~1.07"),
    OpClass("conv 1x1, K = 8-16", "~1.7-2.3", 2.875),
    OpClass("conv 1x1, K > 16"),
    OpClass("first conv (3 input channels)", "~1.5", 1.875),
    OpClass("conv, other shapes"),
    OpClass("depthwise 3x3 stride 1", "~2.5", 2.8),
    OpClass("depthwise 3x3 stride 2", "~3.0", 3.3),
    OpClass("depthwise, other shapes"),
    OpClass("fully connected", "~1.2", 1.25),
    OpClass("float conv", "~2.5", 3.0),
    OpClass("float depthwise"),
    OpClass("float fully connected"),
)
LIMIT_CPUS = ("cortex-m4", "cortex-m7")  # the limits are of SMLAD on ARMv7E-M; other cores: none stated


def op_class(op: Op, g: Graph) -> str | None:
    """The class (a CLASSES name) of a conv2d / depthwise_conv2d / fully_connected op; None for
    other kinds. int16 activations count as "other shapes" (FC: not classed)."""
    if op.kind not in ("conv2d", "depthwise_conv2d", "fully_connected"):
        return None
    dtype = g.tensor(op.inputs[0]).dtype
    if dtype == "float32":
        return {"conv2d": "float conv", "depthwise_conv2d": "float depthwise"}.get(op.kind, "float fully connected")
    if op.kind == "fully_connected":
        return "fully connected" if dtype == "int8" else None
    kh, kw, k = g.tensor(op.inputs[1]).shape[1:]
    stride = tuple(op.attrs["stride"])
    if op.kind == "depthwise_conv2d":
        if dtype == "int8" and (kh, kw) == (3, 3) and stride in ((1, 1), (2, 2)):
            return f"depthwise 3x3 stride {stride[0]}"
        return "depthwise, other shapes"
    if dtype != "int8":
        return "conv, other shapes"
    if g.tensor(op.inputs[0]).shape[3] == 3:
        return "first conv (3 input channels)"
    if (kh, kw) == (3, 3):
        return "conv 3x3"
    if (kh, kw) == (1, 1) and k >= 8:
        return "conv 1x1, K = 8-16" if k <= 16 else "conv 1x1, K > 16"
    return "conv, other shapes"


def signature(cm: CompiledModel) -> str:
    """What decides the generated code: kernels, op order and the arena plan. Two priorities
    with the same signature build the same firmware (measured once)."""
    plan = cm.plan
    what = {"ops": [op.name for op in cm.graph.ops], "kernels": sorted((i, v.key) for i, v in cm.variants.items()),
            "features": list(cm.features), "offsets": sorted(plan.offsets.items()), "aliases": sorted(plan.aliases.items()),
            "deltas": sorted(plan.deltas.items()), "in_place": sorted(plan.in_place), "arena": plan.arena_bytes}
    return hashlib.sha256((cm.model_hash + json.dumps(what)).encode()).hexdigest()[:16]


class Measurer:
    """Compiles and runs one model on one board, once per distinct firmware; builds cached
    under the cache dir (an unchanged build is not redone)."""

    def __init__(self, name: str, board_name: str, work: Path | None = None, seed: int = 5):
        self.path = MODELS / f"{name}.tflite"
        self.board = load_board(board_name)
        self.work = Path(work) if work else cache_root() / "bench-speed" / board_name / name
        self.seed = seed
        self.runs: dict[tuple[str, bool], RunResult] = {}

    def compile(self, priority: str | None) -> CompiledModel:
        """priority None: the portable kernels."""
        if priority is None:
            return compile_file(self.path)
        return compile_file(self.path, board=self.board, priority=priority)

    def run(self, cm: CompiledModel, profile: bool = False) -> RunResult:
        key = (signature(cm), profile)
        if key not in self.runs:
            build = self.work / (key[0] + ("-profile" if profile else ""))
            self.runs[key] = run_on_board(cm, self.board, random_inputs(cm.graph, self.seed), profile=profile,
                                          build_dir=build, timeout=300.0)
        return self.runs[key]


def measure(name: str, board_name: str, *, work: Path | None = None) -> dict:
    """One model on one board: portable and default builds, the policy (on POLICY_BOARD) and the
    per-op profile of PROFILED."""
    m = Measurer(name, board_name, work)
    portable_cm = m.compile(None)
    portable = m.run(portable_cm)
    priorities = POLICY if board_name == POLICY_BOARD else (DEFAULT,)
    compiled = {p: m.compile(p) for p in dict.fromkeys((*priorities, PROFILED))}
    results = {p: m.run(compiled[p]) for p in priorities}
    cm, default = compiled[DEFAULT], results[DEFAULT]
    prof_cm = compiled[PROFILED]
    profiled = m.run(prof_cm, profile=True)
    macs = cm.macs
    weights = default.firmware.meta["weights_bytes"]
    runs = (portable, *results.values(), profiled)
    row = {
        "model": name, "board": board_name, "unit": default.counter_unit, "macs": macs,
        "portable": portable.counter, "default": default.counter,
        "per_mac": round(default.counter / macs, 3) if macs else None,
        "per_mac_target": PER_MAC_TARGETS.get((board_name, name)),
        "speedup": round(portable.counter / default.counter, 2),
        "kernel_ops": sum(v.name != "portable" for v in cm.variants.values()), "ops": len(cm.graph.ops),
        "code_bytes": default.firmware.build.flash_bytes - weights, "weight_bytes": weights,
        "arena_bytes": cm.plan.arena_bytes,
        "matches": all(r.match for r in runs), "bit_exact": all(r.match and r.max_abs_diff == 0 for r in runs),
        "anchors": [{"name": a.name, "instructions": a.instructions[name], "target": a.target,
                     "ratio": round(default.counter / a.instructions[name], 3),
                     "meets_target": None if a.target is None else default.counter <= a.target * a.instructions[name]}
                    for a in anchors_of(board_name, name)],
        "policy": {p: {"arena_bytes": compiled[p].plan.arena_bytes, "instructions": results[p].counter}
                   for p in priorities} if board_name == POLICY_BOARD else None,
        "profile": profile_entries(prof_cm, profiled.profile),
    }
    return row


def profile_entries(cm: CompiledModel, counts: list[int]) -> list[dict]:
    """The classified ops of a per-op profile: index, kind, class, kernel, count, MACs."""
    out = []
    for i, (op, count) in enumerate(zip(cm.graph.ops, counts)):
        cls = op_class(op, cm.graph)
        macs = ops.get(op.kind).macs(op, cm.graph)
        if cls is not None and macs:
            out.append({"index": i, "op": op.kind, "class": cls, "kernel": cm.variants[i].key if i in cm.variants else "portable",
                        "count": count, "macs": macs, "per_mac": round(count / macs, 3)})
    return out


# ---------------------------------------------------------------- tables


def _anchor_cells(r: dict) -> list[str]:
    main = next((a for a in r["anchors"] if a["target"] is not None), None)
    if main is None:
        return ["", "", ""]
    mark = " ✓" if main["meets_target"] else " ✗"
    return [main["name"], f"{main['instructions']:,}", f"{main['ratio']:.2f}{mark} (<= {main['target']})"]


def _per_mac_cell(r: dict) -> str:
    if r["per_mac"] is None:
        return ""
    target = r.get("per_mac_target")
    return f"{r['per_mac']:.2f}" + ("" if target is None else f" {'✓' if r['per_mac'] <= target else '✗'} (<= {target})")


HEADERS = ["model", "board", "portable", "default", "speedup", "instr/MAC", "kernel ops", "code B", "weights B",
           "anchor", "anchor instr", "default / anchor", "matches"]


def table_rows(rows: list[dict]) -> list[list]:
    out = []
    for r in rows:
        code = f"{r['code_bytes']:,}" + ("" if r["code_bytes"] <= CODE_LIMIT else " (over 16 KiB)")
        matches = "bit-exact" if r["bit_exact"] else ("yes (float tol.)" if r["matches"] else "NO")
        out.append([r["model"], r["board"], f"{r['portable']:,}", f"{r['default']:,}", f"{r['speedup']:.2f}x",
                    _per_mac_cell(r), f"{r['kernel_ops']}/{r['ops']}",
                    code, f"{r['weight_bytes']:,}", *_anchor_cells(r), matches])
    return out


POLICY_HEADERS = ["model", *(f"{p} {what}" for p in POLICY for what in ("arena B", "instr")), "ordered"]


def policy_ordered(policy: dict) -> bool:
    """speed <= balanced <= ram in instructions, and the arenas the other way."""
    instr = [policy[p]["instructions"] for p in POLICY]
    arena = [policy[p]["arena_bytes"] for p in POLICY]
    return instr == sorted(instr, reverse=True) and arena == sorted(arena)


def policy_rows(rows: list[dict]) -> list[list]:
    return [[r["model"], *(f"{r['policy'][p][what]:,}" for p in POLICY for what in ("arena_bytes", "instructions")),
             "yes" if policy_ordered(r["policy"]) else "NO"] for r in rows if r["policy"]]


CLASS_HEADERS = ["class", "ops", "instr/MAC range", "MAC-weighted", "worst op"]
LIMIT_HEADERS = ["practical limit (Cortex-M4)", "target", "meets"]


def class_table(rows: list[dict], board: str) -> str:
    """Per op class on ``board``: the instr/MAC range over every classified op of the rows, with
    issue 16's limit and target where they hold (LIMIT_CPUS)."""
    with_limits = load_board(board).cpu in LIMIT_CPUS
    out = []
    for cls in CLASSES:
        entries = [(r["model"], e) for r in rows if r["board"] == board for e in r["profile"] if e["class"] == cls.name]
        if not entries:
            continue
        worst_model, worst = max(entries, key=lambda me: me[1]["per_mac"])
        lo, hi = f"{min(e['per_mac'] for _, e in entries):.2f}", f"{worst['per_mac']:.2f}"
        weighted = sum(e["count"] for _, e in entries) / sum(e["macs"] for _, e in entries)
        line = [cls.name, len(entries), lo if lo == hi else f"{lo}-{hi}", f"{weighted:.2f}",
                f"{worst_model} #{worst['index']} ({worst['kernel']})"]
        if with_limits:
            met = "" if cls.target is None else ("yes" if weighted <= cls.target else "NO")
            line += [cls.limit, "" if cls.target is None else f"<= {cls.target}", met]
        out.append(line)
    return markdown_table(CLASS_HEADERS + (LIMIT_HEADERS if with_limits else []), out)


def render(rows: list[dict]) -> str:
    """The tables as markdown, without the section's prose."""
    parts = ["### Per model and board", markdown_table(HEADERS, table_rows(rows))]
    if any(r["policy"] for r in rows):
        parts += [f"### Kernel choice policy ({POLICY_BOARD})", markdown_table(POLICY_HEADERS, policy_rows(rows))]
    for board in dict.fromkeys(r["board"] for r in rows):
        if any(r["profile"] for r in rows if r["board"] == board):
            parts += [f"### Instructions per MAC by op class ({board}, `--priority {PROFILED}`)",
                      class_table(rows, board)]
    return "\n\n".join(parts)


def anchor_notes() -> str:
    return "\n".join(f"- {a.name} on {a.board}: {a.origin}." for a in ANCHORS)


def section(rows: list[dict], not_measured: list[str] = ()) -> str:
    return (f"## Speed\n\nMeasured {provenance()}. Instructions per inference under QEMU 7.2 with "
            f"`-icount shift=0` (instructions, not cycles; the RISC-V board counts `minstret`), random inputs. "
            f"`portable`: the portable C kernels; `default`: the kernels the default `--priority {DEFAULT}` chooses "
            f"for the board's features (SMLAD on the Cortex-M4/M7/M55, Helium on the M55; docs/architecture.md, "
            f"Kernel variants and RAM; the arenas are in the Memory section). speedup: portable / default. instr/MAC: of the default build (issue 16's target for the float "
            f"vww and ic on qemu-mps2-an386 beside it). kernel ops: ops with a kernel other "
            f"than the portable one. Code B = flash (.text + .rodata + .data) minus weight bytes (weights include the "
            f"pre-arranged kernel weights and requantisation tables); limit 16 KiB. matches: the outputs of every build "
            f"measured equal the NumPy reference bit for bit, or (float outputs) within the float tolerance.\n\n"
            f"Anchors (instructions per inference on the same emulator; the target is ours / anchor):\n\n"
            f"{anchor_notes()}\n\n"
            f"The policy table gives each `--priority`'s arena and instructions: `speed` must need no more "
            f"instructions than `balanced`, `balanced` no more than `ram`, and the arenas the other way (ordered). "
            f"The op-class tables classify every conv / depthwise / fully connected op of the models above from the "
            f"per-op profile of `--priority {PROFILED}` (`microaot profile`; per-op counts are whole timer ticks on "
            f"the Arm boards: 40 instructions on mps2, 31.25 on an547): the instr/MAC range over the class's ops, the "
            f"MAC-weighted mean, its worst op (model #op (kernel)), and on the Cortex-M4/M7 boards issue 16's "
            f"practical SMLAD limit (K: input channels) and target (depthwise <= 2.8 / 3.3, FC <= 1.25, "
            f"float conv <= 3.0, 1x1 with small K and the first conv within 25% of the limit), met when the "
            f"MAC-weighted mean is within it. `python benchmarks/speed.py` regenerates this section.\n\n"
            + "".join(f"Not measured: {n}.\n" for n in not_measured) + ("\n" if not_measured else "") + render(rows))


# ---------------------------------------------------------------- main


def say(line: str) -> None:
    """A progress line on stderr, in one write (the worker threads print too)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def hard_float(board_name: str) -> bool:
    """The board's code uses an FPU (float models elsewhere are soft-float calls, not kernels)."""
    return any(f == "-mfloat-abi=hard" or (f.startswith("-mabi=") and f[-1] in "fd") for f in load_board(board_name).cflags)


def plan_jobs(models: list[str], boards: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(model, board) pairs to measure, and what is left out: float models on boards without an FPU."""
    jobs, skipped = [], []
    for b in boards:
        for m in models:
            if m.endswith("_float32") and not hard_float(b):
                skipped.append(f"{m} on {b} (no FPU: soft-float calls)")
            else:
                jobs.append((m, b))
    return jobs, skipped


def run_all(jobs: list[tuple[str, str]], workers: int) -> tuple[list[dict], list[str], list[str]]:
    """measure() of every (model, board) on ``workers`` threads (the QEMU runs and compilers are
    processes), progress on stderr: rows in the jobs' order, what does not fit its board, errors."""
    done: dict[tuple[str, str], dict] = {}
    unfit: list[str] = []
    errors: list[str] = []
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        def job(m: str, b: str) -> dict:
            say(f"... {m} on {b}")
            return measure(m, b)

        futures = {pool.submit(job, m, b): (m, b) for m, b in jobs}
        for k, fut in enumerate(as_completed(futures), 1):
            m, b = futures[fut]
            try:
                row = done[m, b] = fut.result()
                anchor = _anchor_cells(row)[2]
                note = f"{row['default']:,} {row['unit']}" + (f", {anchor} of the anchor" if anchor else "")
                note += "" if row["matches"] else ", MISMATCH"
            except AotError as e:
                fits = not (isinstance(e, BuildError) and "overflowed" in str(e))  # build.py's message for a model too large
                (errors if fits else unfit).append(f"{m} on {b}: {e}")
                note = f"{'error' if fits else 'does not fit'}: {e}"
            say(f"[{k}/{len(jobs)}] {m} on {b}: {note} ({time.monotonic() - t0:.0f} s)")
    return [done[j] for j in jobs if j in done], unfit, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", default=INT8_MODELS + FLOAT_MODELS)
    ap.add_argument("--boards", nargs="+", default=BOARDS)
    ap.add_argument("--jobs", type=int, default=2, help="(model, board) measurements run in parallel")
    ap.add_argument("--json", help="write the rows as JSON here")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = ap.parse_args()
    missing = [m for m in args.models if not (MODELS / f"{m}.tflite").exists()]
    unknown = [b for b in args.boards if b not in list_boards()]
    not_qemu = [b for b in args.boards if b not in unknown and not load_board(b).qemu]
    if missing or unknown or not_qemu or args.jobs < 1:
        ap.error("; ".join([*(f"no model {m} in {MODELS}" for m in missing), *(f"unknown board {b}" for b in unknown),
                            *(f"{b} does not run under QEMU (instructions are counted there)" for b in not_qemu),
                            *(["--jobs must be at least 1"] if args.jobs < 1 else [])]))
    jobs, skipped = plan_jobs(args.models, args.boards)
    for s in skipped:
        say(f"skipped: {s}")
    rows, unfit, errors = run_all(jobs, args.jobs)
    print(render(rows))
    write_json(args.json, rows)
    if not args.no_doc and not errors:  # a section with rows missing for an error would pass for a complete one
        update_doc_section("speed", section(rows, [*skipped, *unfit]))
    for e in errors:
        say(f"error: {e}")
    return 0 if rows and not errors and all(r["matches"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
