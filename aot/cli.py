"""The `microaot` command line: compile, run, profile, validate, quantize, project, build, flash, tune, inspect, ops, boards.

Every command takes --json and then prints exactly one JSON object (or list) on stdout.
Errors are one line on stderr (with --json also {"error": ...} on stdout) and exit code 2;
a run (or validate) whose outputs do not match the reference exits 1. --json, -q (errors only on
stderr) and -v (an internal error's traceback) go before or after the command (docs/cli.md).
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import select
import shlex
import sys
import time
import traceback
import warnings
from pathlib import Path

from aot import __version__
from aot.core.errors import AotError

DEFAULT_MEMORY_BOARD = "qemu-mps2-an386"  # inspect --memory without --board


def _progress(args, text: str) -> None:
    if not args.json and not args.quiet:
        print(text, file=sys.stderr, flush=True)


def cmd_compile(args) -> int:
    from aot.driver.boards_table import no_board_fits
    from aot.driver.compiler import compile_file, emit
    from aot.driver.report import largest_op_keys

    _check_output(args.output, folder=True)
    t0 = time.perf_counter()
    cm = compile_file(args.model, board=_board_or_none(args.board), tuning=_tuning(args), priority=args.priority,
                      max_arena=args.max_arena)
    meta = emit(cm, Path(args.output), prefix=args.prefix)
    too_big = no_board_fits(meta["arena_bytes"] + meta["state_bytes"], meta["weights_bytes"])
    if too_big and not args.quiet:
        print(f"microaot: {too_big}", file=sys.stderr)
    if args.archive:
        from aot.target.archive import write_archive

        write_archive(Path(args.output), args.archive, cm.graph.name)
    seconds = time.perf_counter() - t0
    result = {
        "model": str(args.model), "output": str(args.output), "arena_bytes": meta["arena_bytes"],
        "state_bytes": meta["state_bytes"], **largest_op_keys(cm.plan.largest_op_bytes), "weights_bytes": meta["weights_bytes"],
        "ops": meta["ops"], "macs": meta["macs"], "planner": meta["planner"], "seconds": round(seconds, 3),
        "files": sorted(p.name for p in Path(args.output).iterdir() if p.is_file()),
        "archive": str(args.archive) if args.archive else None, "policy": cm.policy,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"compiled {args.model} -> {args.output}/ in {seconds:.2f} s")
        print(f"  operators {meta['ops']}, MACs {meta['macs']:,}")
        print(f"  arena {meta['arena_bytes']:,} bytes (largest op inputs + outputs {cm.plan.largest_op_bytes:,})")
        if meta["state_bytes"]:
            print(f"  state {meta['state_bytes']:,} bytes (kept across inferences; <PREFIX>_STATE_SIZE, <prefix>_reset)")
        print(f"  weights {meta['weights_bytes']:,} bytes")
        if cm.features:
            print(f"  kernels: {_policy_text(cm.policy)}")
        print(f"  files: {', '.join(result['files'])}")
        if args.archive:
            print(f"  archive: {args.archive}")
    return 0


def _policy_text(policy: dict) -> str:
    budget = "no limit" if policy["budget_bytes"] is None else f"{policy['budget_bytes']:,} bytes"
    ranked = policy["unmodelled_ops"]
    return (f"--priority {policy['priority']}, arena budget {budget}, modelled {policy['modelled_instructions']:,} "
            f"instructions (lower bound {policy['lower_bound']:,}, gap {100 * policy['gap']:.1f}%)"
            + (f"; {ranked} ops without a cost model ranked by preference order" if ranked else ""))


def _run_common(args, profile: bool):
    from aot.driver.compiler import compile_file
    from aot.driver.inputs import load_inputs, load_steps
    from aot.driver.runner import run_on_board, run_sequence
    from aot.target.boards import load_board

    board = load_board(args.board)
    cm = compile_file(args.model, board=board, tuning=_tuning(args), priority=args.priority, max_arena=args.max_arena)
    steps = getattr(args, "steps", None)
    _progress(args, f"running {cm.graph.name} on the device at {args.port} ..." if args.port
              else f"building {cm.graph.name} for {board.name} ...")
    if steps is None:
        inputs = load_inputs(cm.graph, args.inputs, args.seed)
        return board, cm, [run_on_board(cm, board, inputs, port=args.port, profile=profile, build_dir=args.build_dir)]
    sequence = load_steps(cm.graph, args.inputs, args.seed, steps)
    return board, cm, run_sequence(cm, board, sequence, reset=True, port=args.port, profile=profile, build_dir=args.build_dir)


def cmd_run(args) -> int:
    from aot.driver.inputs import save_outputs

    board, cm, results = _run_common(args, profile=False)
    r = results[0]
    if args.save_outputs:
        save_outputs(args.save_outputs, results[-1].outputs)  # with --steps: the inference after the reset
    macs = cm.macs
    fw = r.firmware.build if r.firmware else None   # None with --port: the device's firmware is not ours
    match = all(x.match for x in results)
    summary = {
        "model": str(args.model), "board": board.name, "match": match,
        "max_abs_diff": max(x.max_abs_diff for x in results),
        "arena_bytes": r.device["arena_bytes"], "state_bytes": r.device.get("state_bytes", 0), "flash_bytes": fw.flash_bytes if fw else None,
        "ram_bytes": fw.ram_bytes if fw else None, "stack_bytes": fw.stack.bytes if fw else None,
        "model_index": r.device["index"], "counter_unit": r.counter_unit, "macs": macs,
        "outputs": _comparisons_json(r.comparisons),
        "reference": r.reference, "mismatch_against": r.mismatch_against, "approximations": r.approximations,
        "against_model": {"match": r.model_match, "max_abs_diff": r.model_max_abs_diff,
                          "outputs": _comparisons_json(r.model_comparisons)},
        "against_passes": {"match": r.passes_match, "max_abs_diff": r.passes_max_abs_diff,
                           "outputs": _comparisons_json(r.pass_comparisons)},
    }
    summary[r.counter_unit if r.counter_unit in ("instructions", "cycles") else "host_ns"] = r.counter
    if args.steps is not None:
        summary["steps"] = [{"step": k, "reset_before": k == args.steps, "match": x.match, "max_abs_diff": x.max_abs_diff,
                             "mismatch_against": x.mismatch_against} for k, x in enumerate(results)]
    if args.json:
        print(json.dumps(summary))
    else:
        differ = [c.max_abs_diff for c in r.pass_comparisons] != [c.max_abs_diff for c in r.model_comparisons]
        if differ:
            print("against the model's reference (the imported graph):")
        print(_comparisons_table(r.model_comparisons))
        if differ:
            print("against the reference after the passes (the graph the C implements):")
            print(_comparisons_table(r.pass_comparisons))
        for note in r.approximations:
            print(f"approximation: {note}")
        print(f"board {board.name}: {r.counter:,} {r.counter_unit} per inference"
              + (f" ({r.counter / macs:.2f} per MAC)" if macs and r.counter_unit != "ns" else ""))
        if fw:
            print(f"arena {r.device['arena_bytes']:,} B, flash {fw.flash_bytes:,} B, static RAM {fw.ram_bytes:,} B, stack bound {fw.stack.bytes:,} B")
        else:
            print(f"device at {args.port}: model index {r.device['index']} of {r.device['n_models']} models "
                  f"({r.device['name']}), arena {r.device['arena_bytes']:,} B")
        for k, x in enumerate(results if args.steps is not None else []):
            print(f"step {k}{' (after a reset)' if k == args.steps else ''}: "
                  f"{'match' if x.match else 'MISMATCH against ' + ', '.join(x.mismatch_against)}, max |diff| {x.max_abs_diff:g}")
        print(_verdict(r) if args.steps is None or not match else
              f"MATCH: {args.steps} consecutive inferences, a reset and one more equal the NumPy reference")
    return 0 if match else 1


def _comparisons_json(comparisons) -> list[dict]:
    return [{"name": c.name, "dtype": c.dtype, "shape": list(c.shape), "max_abs_diff": c.max_abs_diff,
             "mismatches": c.mismatches, "match": c.match} for c in comparisons]


def _comparisons_table(comparisons) -> str:
    from aot.driver.report import table

    rows = [[c.name, c.dtype, "x".join(map(str, c.shape)), f"{c.max_abs_diff:g}", c.mismatches, "yes" if c.match else "NO"]
            for c in comparisons]
    return table(["output", "dtype", "shape", "max |diff|", "mismatches", "match"], rows, "lllrrl")


def _verdict(r) -> str:
    if not r.mismatch_against:
        return "MATCH: outputs equal the NumPy reference of the model"
    if r.match:
        return ("MATCH: outputs equal the NumPy reference after the passes; they differ from the model's by "
                f"{r.model_max_abs_diff:g} where the passes approximated (above)")
    against = {"model": "the model's NumPy reference (the imported graph)",
               "passes": "the NumPy reference after the passes (the graph the C implements)"}
    return "MISMATCH: outputs differ from " + " and from ".join(against[w] for w in r.mismatch_against)


def cmd_profile(args) -> int:
    from aot import ops
    from aot.driver.report import table

    board, cm, (r,) = _run_common(args, profile=True)
    unit = "cycles" if r.counter_unit == "cycles" else ("instructions" if r.counter_unit == "instructions" else "ns")
    total = sum(r.profile) or 1
    entries = []
    for i, (op, count) in enumerate(zip(cm.graph.ops, r.profile)):
        macs = ops.get(op.kind).macs(op, cm.graph)
        entries.append({"index": i, "op": op.kind, unit: count, "macs": macs,
                        "per_mac": round(count / macs, 3) if macs else None, "share": round(count / total, 4)})
    if args.json:  # docs/cli.md: "ops" is the per-op list `profile --json` printed alone before
        print(json.dumps({"model": str(args.model), "board": board.name, "counter_unit": unit, "ops": entries,
                          "total_ops": sum(r.profile), "per_inference": r.counter, "macs": cm.macs,
                          "match": r.match}))
        return 0 if r.match else 1
    rows = [[e["index"], e["op"], e[unit], e["macs"], "" if e["per_mac"] is None else f"{e['per_mac']:.2f}", f"{100 * e['share']:.1f}%"]
            for e in sorted(entries, key=lambda e: -e[unit])]
    print(table(["#", "op", unit, "MACs", f"{unit[:5]}/MAC", "share"], rows, "rlrrrr"))
    print(f"total {sum(r.profile):,} {unit} in operators; {r.counter:,} per inference ({'bit-exact' if r.match else 'MISMATCH'})")
    return 0 if r.match else 1


def cmd_validate(args) -> int:
    from aot.driver.compiler import compile_file, model_graph
    from aot.driver.report import table
    from aot.driver.validate import validate
    from aot.frontends import load_model
    from aot.target.boards import load_board

    board = load_board(args.board)
    cm = compile_file(args.model, board=board, priority=args.priority, max_arena=args.max_arena)
    reference = model_graph(load_model(args.reference)) if args.reference else None
    v = validate(cm, board, args.data, labels=args.labels, reference=reference, reference_name=args.reference,
                 port=args.port, build_dir=args.build_dir, progress=lambda text: _progress(args, text))
    if args.json:
        print(json.dumps(v.to_json()))
        return 0 if v.bit_exact else 1

    def num(x):
        return "-" if x is None else f"{x:.4f}"

    print(f"validate {v.model} on {v.board}: {v.samples} samples against {v.reference}")
    print(table(["output", "reference", "top-1 agreement", "cosine", "RMSE", "max |error|"],
                [[o.name, o.reference, num(o.top1_agreement), num(o.cosine), f"{o.rmse:.4g}", f"{o.max_abs_error:.4g}"]
                 for o in v.outputs], "llrrrr"))
    if v.accuracy is not None:
        print(f"accuracy {v.accuracy:.4f} (reference {v.reference_accuracy:.4f})")
    print("bit-exact with the NumPy reference of the compiled model" if v.bit_exact
          else f"MISMATCH: {v.mismatched_samples} of {v.samples} samples differ from the NumPy reference of the compiled model")
    return 0 if v.bit_exact else 1


def cmd_quantize(args) -> int:
    from aot.driver.quantize import quantize

    q = quantize(args.model, args.calibration, args.output, per_channel=not args.per_tensor, method=args.method,
                 samples=args.samples, progress=lambda text: _progress(args, text))
    if args.json:
        print(json.dumps(q.to_json()))
    else:
        print(f"quantised {q.model} -> {q.output} with {q.quantizer}: int8 activations, int8 weights "
              f"{'per channel' if q.per_channel else 'per tensor'}; {q.method} calibration on {q.samples} samples")
        print(f"  {q.float_bytes:,} -> {q.int8_bytes:,} bytes; check it: microaot validate {q.output} "
              f"--data {args.calibration} --reference {q.model}")
    return 0


def _compile_models(args, board) -> dict:
    """{C prefix: compiled model} of `project`, `build` and `flash`: the kernel variants for the
    board's CPU features."""
    from aot.driver.compiler import compile_file
    from aot.driver.project import model_prefixes

    prefixes = model_prefixes(args.model, args.prefix)
    return {p: compile_file(m, board=board, priority=args.priority, max_arena=args.max_arena) for p, m in zip(prefixes, args.model)}


def _served(args, models: dict) -> list[dict]:
    return [{"model": str(m), "prefix": p, "index": i, "arena_bytes": cm.plan.arena_bytes}
            for i, (m, (p, cm)) in enumerate(zip(args.model, models.items()))]


def cmd_project(args) -> int:
    from aot.driver.project import generate_models_project

    board = _board_or_none(args.board)
    models = _compile_models(args, board)
    prefixes = list(models)
    project = generate_models_project(models, board, Path(args.output), args.template, profile=args.profile,
                                      zephyr_board=args.zephyr_board, inputs=args.inputs, seed=args.seed)
    first = args.model[0]
    if args.json:
        served = _served(args, models)
        print(json.dumps({"model": str(first), "models": served, "directory": str(project.directory),
                          "arena_bytes": served[0]["arena_bytes"], **project.to_json()}))
        return 0
    where = project.zephyr_board if project.template == "zephyr" else project.board
    print(f"project {project.template} for {where} -> {project.directory}/ ({len(project.files)} files)")
    if len(models) > 1:
        print("  serves:   " + ", ".join(f"{i} {m} ({p})" for i, (m, p) in enumerate(zip(args.model, prefixes)))
              + " (RPC model index, prefix)")
    print(f"  build:    cd {shlex.quote(str(project.directory))} && {' '.join(project.build)}")
    print(f"  firmware: {project.firmware}" + (f" (+ {', '.join(project.images)})" if project.images else ""))
    run_board = project.board or "<board>"
    if project.template == "app":
        print("  edit app/main.c; run it as README.md shows" + (f"; or: microaot flash {first} --board {run_board}"
                                                              if board.run == "port" else ""))
        return 0
    if board is not None and board.run == "qemu":
        print(f"  start it under QEMU (README.md), then: microaot run {first} --board {run_board} "
              "--port socket://127.0.0.1:4444")
    elif board is None or board.run == "port":
        print(f"  flash it, then: microaot run {first} --board {run_board} --port /dev/ttyACM0")
    if project.template != "zephyr" and len(models) == 1:
        print(f"  the same RPC firmware as: microaot run {first} --board {run_board}")
    return 0


def _deploy_project(args, board):
    """`build` and `flash`: the project generated (changed files only) into -o or the cache."""
    from aot.driver.deploy import prepare

    if args.output:
        _check_output(args.output, folder=True)
    models = _compile_models(args, board)
    _progress(args, f"generating the {args.template} project of {' + '.join(cm.graph.name for cm in models.values())} ...")
    return models, prepare(models, board, args.template, args.output, zephyr_board=args.zephyr_board,
                           inputs=args.inputs, seed=args.seed)


def _build_json(args, models, project, commands, dry_run: bool) -> dict:
    return {"model": str(args.model[0]), "models": _served(args, models), "board": project.board,
            "zephyr_board": project.zephyr_board, "template": project.template, "directory": str(project.directory),
            "firmware": str(project.directory / project.firmware),
            "images": [str(project.directory / i) for i in project.images],
            "build_command": commands, "dry_run": dry_run}


def cmd_build(args) -> int:
    from aot.target import deploy

    board = _board_or_none(args.board)
    models, project = _deploy_project(args, board)
    commands = deploy.build_commands(project)
    line = deploy.command_line(commands, project.directory)
    if args.dry_run:
        print(json.dumps(_build_json(args, models, project, commands, True)) if args.json else line)
        return 0
    _progress(args, f"building: {line}")
    deploy.build(project)
    if args.json:
        print(json.dumps(_build_json(args, models, project, commands, False)))
    else:
        print(f"built {project.directory / project.firmware}"
              + "".join(f", {project.directory / i}" for i in project.images if (project.directory / i).exists()))
    return 0


def cmd_flash(args) -> int:
    from aot.target import deploy
    from aot.target.boards import load_board

    board = load_board(args.board)
    deploy.flashable(board, str(args.model[0]))   # before compiling: a QEMU board fails at once
    models, project = _deploy_project(args, board)
    command = deploy.flash_command(project, board)
    if not args.dry_run:
        deploy.check_tool(command[0])   # before building: a missing flash tool fails at once
    commands = deploy.build_commands(project)
    _progress(args, f"building: {deploy.command_line(commands, project.directory)}")
    deploy.build(project)
    result = {**_build_json(args, models, project, commands, args.dry_run), "flash_command": command}
    if args.dry_run:
        print(json.dumps(result) if args.json else shlex.join(command))
        return 0
    _progress(args, f"flashing: {shlex.join(command)}")
    deploy.flash(command, project, stdout=sys.stderr if args.json else None)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"flashed {project.directory / project.firmware} to {board.name}")
    return 0


def _board_or_none(name):
    from aot.target.boards import load_board

    return load_board(name) if name else None


def _tuning(args):
    from aot.driver.tune import TuningRecord

    return TuningRecord.load(args.tuning) if getattr(args, "tuning", None) else None


def cmd_tune(args) -> int:
    from aot.driver import costfit
    from aot.driver.report import table
    from aot.driver.tune import measure, tune
    from aot.target.boards import load_board

    board = load_board(args.board)
    if args.output:
        _check_output(args.output, folder=False)
    progress = not (args.json or args.quiet)
    m = measure(args.model, board, inputs=args.inputs, seed=args.seed, progress=progress)
    record = tune(args.model, board, inputs=args.inputs, seed=args.seed, progress=progress, priority=args.priority,
                  max_arena=args.max_arena, measured=m)
    if args.refit:
        kernels = costfit.refit(board, costfit.points(m, Path(args.model).stem))
        pts = costfit.load_points(board.cpu)
        _progress(args, f"cost model of {board.cpu} refitted ({costfit.points_path(board.cpu).name}):\n"
                        f"{costfit.report(kernels)}\n{costfit.choices_text(costfit.choices(pts, kernels))}")
    if args.output:
        record.save(args.output)
    if args.json:
        print(json.dumps(record.to_json()))
        return 0
    unit = record.counter_unit
    kernels = list(dict.fromkeys(k for e in record.ops for k in e["measured"]))  # every kernel measured, first seen first
    rows = [[e["index"], e["op"], e["variant"], *(f"{e['measured'][k]:,}" if k in e["measured"] else "" for k in kernels)]
            for e in record.ops]
    print(table(["#", "op", "chosen", *(f"{k} {unit}" for k in kernels)], rows, "rll" + "r" * len(kernels)))
    print(f"tuned {record.model} on {record.board}: {record.total:,} {unit} per inference (bit-exact)"
          + (f"; record written to {args.output}" if args.output else ""))
    return 0


def cmd_inspect(args) -> int:
    from aot.core.text import short
    from aot.driver.inspect import inspect_model
    from aot.driver.report import memory_table, table

    if args.layers:
        return _inspect_layers(args)
    board = _board_or_none(args.board or DEFAULT_MEMORY_BOARD) if args.memory else None
    if args.plot:
        _check_output(args.plot, folder=False)
    insp = inspect_model(args.model, memory_board=board, plot=args.plot)
    if args.json:
        print(json.dumps(insp.to_json()))
        return 0
    g = insp.graph
    print(f"model {args.model}: {len(g.ops)} operators, {len(g.tensors)} tensors")
    print()
    print(table(["#", "op", "source", "kernel", "MACs", "outputs"],
                [[e["index"], e["op"], short(e["source"]), e["kernel"] or "-", "-" if e["macs"] is None else e["macs"],
                  ", ".join(map(short, e["outputs"]))] for e in insp.ops()], "rlllrl"))
    print()
    rows = [[short(n), t.dtype, "x".join(map(str, t.shape)) or "scalar", "const" if t.is_const else ("state" if t.variable else "act"), t.nbytes, _quant_text(t.quant)]
            for n, t in g.tensors.items()]
    print(table(["tensor", "dtype", "shape", "kind", "bytes", "quantisation"], rows, "llllrl"))
    print()
    if insp.compiled:
        print(memory_table(g, insp.plan))
    if insp.memory:
        m = insp.memory
        print()
        print(f"flash on {m['board']}: {m['flash_bytes']:,} B = code {m['code_bytes']:,} B + weights {m['weights_bytes']:,} B "
              f"(.text {m['text']:,}, .rodata {m['rodata']:,}, .data {m['data']:,})")
        print(f"RAM: static {m['ram_bytes']:,} B (.data + .bss, arena {m['arena_bytes']:,} B included) "
              f"+ stack bound {m['stack_bytes']:,} B{'' if m['stack_complete'] else ' (not a safe bound: ' + '; '.join(m['stack_notes']) + ')'}")
        if m["plot"]:
            print(f"arena picture: {m['plot']}")
    if insp.problems:
        print(f"unsupported ({len(insp.problems)}):")
        for loc, op, why in insp.problems:
            print(f"  {loc} {op}: {why}")
    return 0


def _inspect_layers(args) -> int:
    from aot.driver.compiler import compile_file
    from aot.driver.layers import layer_report

    board = _board_or_none(args.board)
    cm = compile_file(args.model, board=board)
    if board is not None:
        _progress(args, f"profiling {cm.graph.name} on {board.name} ...")
    report = layer_report(cm, args.model, board)
    print(json.dumps(report.to_json()) if args.json else report.text())
    return 0


def cmd_ops(args) -> int:
    from aot.driver.operators import markdown, sections, supported
    from aot.driver.report import table

    s = supported()
    if args.json:
        print(json.dumps(s))
    elif args.markdown:
        print(markdown(s), end="")
    else:
        print("\n\n".join(f"{title}\n{table(headers, rows, 'l' * len(headers))}" for title, headers, rows in sections(s)))
    return 0


def cmd_boards(args) -> int:
    from aot.driver.boards_table import board_rows, boards_json

    rows = boards_json()
    if args.json:
        print(json.dumps(rows))
    else:
        print(board_rows(rows))
    return 0


def _quant_text(q) -> str:
    if q is None:
        return ""
    if q.per_tensor:
        return f"s={q.tensor_scale:.6g} zp={q.tensor_zero_point}"
    return f"per-channel[{q.scale.size}] axis={q.axis}"


def _check_output(path, folder: bool) -> None:
    """Before the work: an output folder that is a file, an output file that is a folder or has no folder."""
    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        raise AotError(f"{path}: a file; this names the output folder")
    if not folder and path.is_dir():
        raise AotError(f"{path}: a folder; this names the file to write")
    if not folder and not path.resolve().parent.is_dir():
        raise AotError(f"{path}: no folder {path.parent} to write it in")


def _c_prefix(text: str) -> str:
    """--prefix: it starts every generated file name and C symbol (<prefix>.h, <prefix>_run, ...)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a C identifier (letters, digits and _, not starting "
                                         "with a digit), e.g. kws or my_model")
    if text == "aot" or text.startswith("aot_"):
        raise argparse.ArgumentTypeError(f"{text!r}: names starting with aot are the runtime's (aot_model.h, ...)")
    return text


def _positive(text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number from 1")
    return int(text)


def _seed(text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r}: a seed is a whole number from 0")
    return int(text)


class _Parser(argparse.ArgumentParser):
    """argparse with "did you mean" for a mistyped command, choice or flag (3.11 has no suggest_on_error)."""

    def parse_known_args(self, args=None, namespace=None):
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message):
        message += _did_you_mean(self, message)
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)  # as argparse's error(), then its exit code 2
        raise _UsageError(message)


class _UsageError(SystemExit):
    """argparse's exit (code 2) keeping its message: with --json it is also {"error": ...} on stdout."""

    def __init__(self, message: str):
        super().__init__(2)
        self.message = message


def _did_you_mean(parser: _Parser, message: str) -> str:
    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice:
        close = difflib.get_close_matches(choice[1], re.findall(r"'([^']*)'", choice[2]), n=1)
        return f"; did you mean {close[0]!r}?" if close else ""
    commands = getattr(parser, "commands", {})  # the top-level parser: the options of the command given count too
    at = next((i for i, word in enumerate(parser._argv) if word in commands), len(parser._argv))
    own = set(parser._option_string_actions)
    options = own | set(commands[parser._argv[at]]._option_string_actions if at < len(parser._argv) else ())
    hints = []
    for i, word in enumerate(parser._argv):
        flag = word.split("=", 1)[0]
        if not flag.startswith("-") or flag in own or re.fullmatch(r"-[\d.]+", flag):
            continue
        if flag in options and i < at:  # `microaot --json ops`: a command's flag before the command
            hints.append(f"{parser._argv[at]} {flag}")
        elif flag not in options:
            close = difflib.get_close_matches(flag, sorted(options), n=1)
            hints += [f"{flag} -> {close[0]}"] if close else []
    return f" (did you mean: {', '.join(hints)}?)" if hints else ""


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="microaot", description="Ahead-of-time compiler from TinyML models to C for microcontrollers.")
    p.add_argument("--version", action="version", version=f"microaot {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def output_flags(sp, default):  # before or after the command: `microaot -q compile ...` = `microaot compile ... -q`
        sp.add_argument("--json", action="store_true", default=default, help="print one JSON object on stdout")
        sp.add_argument("-q", "--quiet", action="store_true", default=default,
                        help="nothing on stderr but errors (no progress, notes or warnings)")
        sp.add_argument("-v", "--verbose", action="store_true", default=default,
                        help="also Python warnings hidden by default (DeprecationWarning), and an internal error's traceback")

    output_flags(p, False)

    def common(sp):  # SUPPRESS: a flag not given after the command keeps its value from before it
        output_flags(sp, argparse.SUPPRESS)

    def priority(sp):
        sp.add_argument("--priority", choices=("balanced", "speed", "ram"), default="balanced",
                        help="kernel choice on a board, the fastest (modelled instructions) within an arena budget: "
                             "balanced (default: within 5%% of the smallest arena any choice reaches), speed (the "
                             "board's free RAM), ram (the smallest arena); see docs/architecture.md")
        sp.add_argument("--max-arena", type=_positive, metavar="BYTES",
                        help="the arena budget in bytes instead of --priority's (an error if no kernel choice fits)")

    c = sub.add_parser("compile", help="generate C sources, header, metadata.json and a memory report")
    c.add_argument("model", help=".tflite model")
    c.add_argument("-o", "--output", required=True, help="output folder")
    c.add_argument("--prefix", default="model", type=_c_prefix, help="prefix of the generated C API (default: model)")
    c.add_argument("--board", help="generate the kernel variants for this board's CPU (default: portable C)")
    c.add_argument("--tuning", help="tuning record (JSON) from `microaot tune`: its per-op kernel choice")
    c.add_argument("--archive", metavar="OUT.tar", help="also write a deterministic tar (.tar, .tar.gz) of the output (docs/project.md)")
    priority(c)
    common(c)
    c.set_defaults(func=cmd_compile)

    for name, func, text in (("run", cmd_run, "build, run on a board through the RPC and compare with the NumPy reference"),
                             ("profile", cmd_profile, "per-operator instructions (QEMU) or cycles (board)")):
        r = sub.add_parser(name, help=text)
        r.add_argument("model")
        r.add_argument("--board", default="host", help="board name (see boards/), default host")
        r.add_argument("--port", help="serial port of an already flashed board, e.g. /dev/ttyACM0")
        r.add_argument("--inputs", help=".npy (single input) or .npz keyed by input name; default random")
        r.add_argument("--seed", type=_seed, default=0, help="seed of the random inputs (default 0)")
        r.add_argument("--build-dir", type=Path, help="where to generate and build (default: a cache folder)")
        r.add_argument("--tuning", help="tuning record (JSON) from `microaot tune`: its per-op kernel choice")
        if name == "run":
            r.add_argument("--save-outputs", metavar="DIR", help="write DIR/outputs.npz keyed by output name")
            r.add_argument("--steps", type=_positive, metavar="N",
                           help="N consecutive inferences (the model's state carries over), each compared with the "
                                "reference, then a reset and one more (inputs: step k random with seed + k, or "
                                "--inputs with a leading step axis of N)")
        priority(r)
        common(r)
        r.set_defaults(func=func)

    v = sub.add_parser("validate", help="run a dataset on the host or a board; accuracy and errors against a reference model")
    v.add_argument("model")
    v.add_argument("--data", required=True, help=".npz keyed by input name (or .npy for one input); first axis = samples")
    v.add_argument("--labels", help=".npy of integer class indices, one per sample: accuracy of the first output")
    v.add_argument("--reference", metavar="FLOAT_MODEL", help="the model to compare with (default: the model itself)")
    v.add_argument("--board", default="host", help="board name (see boards/), default host")
    v.add_argument("--port", help="serial port of an already flashed board, e.g. /dev/ttyACM0")
    v.add_argument("--build-dir", type=Path, help="where to generate and build (default: a cache folder)")
    priority(v)
    common(v)
    v.set_defaults(func=cmd_validate)

    qz = sub.add_parser("quantize", help="post-training int8 quantisation of a float .onnx (onnxruntime) or .tflite "
                                          "(ai-edge-quantizer), calibrated on a dataset (docs/quantize.md)")
    qz.add_argument("model", help="float .onnx or .tflite model")
    qz.add_argument("--calibration", required=True, metavar="X.npz",
                    help=".npz keyed by input name (or .npy / one array for one input); first axis = samples")
    qz.add_argument("-o", "--output", required=True, help="the quantised model (.onnx with QDQ nodes, or .tflite)")
    qz.add_argument("--per-tensor", action="store_true", help="one weight scale per tensor (default: per output channel)")
    qz.add_argument("--method", choices=("minmax", "entropy", "percentile"), default="minmax",
                    help="activation range calibration (default minmax; TFLite: minmax only)")
    qz.add_argument("--samples", type=int, metavar="N", help="calibrate on the first N samples (default: all)")
    common(qz)
    qz.set_defaults(func=cmd_quantize)

    def project_options(sp, output_help):
        sp.add_argument("model", nargs="+", help="model file(s): several make one firmware serving them all")
        sp.add_argument("--template", choices=("make", "cmake", "zephyr", "app"), default="make",
                        help="make, cmake, zephyr (the RPC firmware; make and cmake also build the model as a "
                             "library), or app (make build of app/main.c: one inference on a sample input, result "
                             "on the UART); default make")
        sp.add_argument("--zephyr-board", help="template zephyr: the Zephyr board (default: the board's zephyr_board)")
        sp.add_argument("-o", "--output", type=Path, required=output_help is None,
                        help=output_help or "project folder (new, or an earlier project to regenerate)")
        sp.add_argument("--prefix", nargs="+", type=_c_prefix, help="prefix of the generated C API, one per model "
                        "(default: model; for several models each file's stem)")
        sp.add_argument("--inputs", help="template app: the sample input, .npy (single input) or .npz keyed by "
                                         "input name (float32 values for a quantised input are quantised); default random")
        sp.add_argument("--seed", type=int, default=0, help="template app: seed of the random sample (default 0)")
        priority(sp)
        common(sp)

    pr = sub.add_parser("project", help="a standalone project: Makefile, CMake, Zephyr app or an application (docs/project.md)")
    pr.add_argument("--board", help="board name (see boards/); for zephyr, one with a zephyr_board key")
    pr.add_argument("--profile", action="store_true", help="build with the per-operator profiler (microaot profile)")
    project_options(pr, None)
    pr.set_defaults(func=cmd_project)

    cache_help = "project folder (default: one per model, board and template in the cache)"
    bu = sub.add_parser("build", help="generate the project and build it: make, cmake, or west build for --template zephyr")
    bu.add_argument("--board", help="board name (see boards/); for zephyr, one with a zephyr_board key")
    bu.add_argument("--dry-run", action="store_true", help="generate the project, print the build command, run nothing")
    project_options(bu, cache_help)
    bu.set_defaults(func=cmd_build)

    fl = sub.add_parser("flash", help="build the firmware and run the board's flash command (west flash for --template zephyr)")
    fl.add_argument("--board", required=True, help="board name (see boards/): one with a flash_command (a real board)")
    fl.add_argument("--dry-run", action="store_true", help="build, then print the flash command instead of running it")
    project_options(fl, cache_help)
    fl.set_defaults(func=cmd_flash)

    t = sub.add_parser("tune", help="measure each operator's kernel variants on a board, keep the fastest bit-exact")
    t.add_argument("model")
    t.add_argument("--board", required=True, help="board to measure on (e.g. qemu-mps2-an386)")
    t.add_argument("-o", "--output", help="write the tuning record (JSON) here")
    t.add_argument("--inputs", help=".npy / .npz inputs for the measuring runs; default random")
    t.add_argument("--seed", type=_seed, default=0, help="seed of the random inputs (default 0)")
    t.add_argument("--refit", action="store_true",
                   help="also add the measurements to the board CPU's cost model and refit it (codegen_c/costs/)")
    priority(t)
    common(t)
    t.set_defaults(func=cmd_tune)

    i = sub.add_parser("inspect", help="operators, tensors, quantisation, memory plan; unsupported operators")
    i.add_argument("model")
    i.add_argument("--memory", action="store_true",
                   help="the memory report: per-tensor plan, flash split into code and weights, stack bound (builds for --board)")
    i.add_argument("--layers", action="store_true",
                   help="per-operator report: shapes, MACs, weight bytes, live activation bytes, scratch, kernel; "
                        "with --board also the profiled instructions/cycles per operator")
    i.add_argument("--board", help=f"board the --memory report builds for (default {DEFAULT_MEMORY_BOARD}); "
                                    "with --layers: compile for it and profile each operator on it")
    i.add_argument("--plot", metavar="FILE", help="with --memory: draw the arena over time (.svg, or .png with matplotlib)")
    common(i)
    i.set_defaults(func=cmd_inspect)

    o = sub.add_parser("ops", help="supported operators per frontend and dtype, and the kernels of each IR kind")
    o.add_argument("--markdown", action="store_true", help="the tables as Markdown (docs/operators.md)")
    common(o)
    o.set_defaults(func=cmd_ops)

    b = sub.add_parser("boards", help="the boards: CPU, flash and RAM, CPU features, toolchain, QEMU or a real port")
    common(b)
    b.set_defaults(func=cmd_boards)
    p.commands = sub.choices
    return p


def _parse(parser: _Parser, argv: list[str]) -> argparse.Namespace:
    """The arguments, and one error for flags that contradict each other or would be ignored."""
    args = parser.parse_args(argv)
    if args.json and "--json" not in parser.commands[args.command]._option_string_actions:
        parser.error(f"`{args.command}` has no JSON output: drop --json")
    if args.quiet and args.verbose:
        parser.error("-q (errors only) and -v (more detail) contradict each other: give one")
    if getattr(args, "layers", False) and (args.memory or args.plot):
        parser.error("--layers is a report of its own: run `inspect --memory` (with --plot) separately")
    if getattr(args, "plot", None) and not getattr(args, "memory", False):
        parser.error("--plot draws the --memory report: add --memory")
    if args.command == "inspect" and args.board and not (args.memory or args.layers):
        parser.error("--board is for the --memory or --layers report: add one of them")
    if getattr(args, "markdown", False) and args.json:
        parser.error("--markdown and --json are two formats of the same tables: give one")
    return args


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = _parse(parser, argv)
    except _UsageError as e:
        if "--json" in argv:
            print(json.dumps({"error": e.message}))
        raise
    try:
        with warnings.catch_warnings():  # Python's own filters unless -q (none) or -v (every warning, once per place)
            if args.quiet or args.json or args.verbose:
                warnings.simplefilter("default" if args.verbose else "ignore")
            code = args.func(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError as e:
        if not _stdout_closed():  # a socket to a board, say: an error like any other
            return _fail(args, f"{e.strerror or e}", 2)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # `microaot ops | head -1`: stop quietly
        return 0
    except AotError as e:
        return _fail(args, str(e), e.exit_code)
    except KeyboardInterrupt:
        return _fail(args, "interrupted", 130)
    except OSError as e:  # an unwritable -o, a full disk: the file and the reason
        where = f"{e.filename}: " if e.filename else ""
        reason = "exists and is not a folder" if isinstance(e, FileExistsError) else e.strerror or e
        return _fail(args, f"{where}{reason}", 2)
    except Exception as e:  # a bug of ours: still one line, the traceback only on request
        if args.verbose or os.environ.get("MICROAOT_DEBUG"):
            traceback.print_exc()
        text = " ".join(str(e).split())  # one line, whatever the exception's text holds
        return _fail(args, f"internal error: {type(e).__name__}: {text} (a bug in microaot: please report it with the "
                           "command and the model; -v or MICROAOT_DEBUG=1 for the traceback)", 3)


def _stdout_closed() -> bool:
    """stdout is a pipe whose reader has gone (poll reports POLLERR on its write end)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
    except (OSError, ValueError):  # no file descriptor (e.g. captured by a test)
        return False
    return any(events & select.POLLERR for _, events in poller.poll(0))


def _fail(args, message: str, code: int) -> int:
    print(f"microaot: error: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": message}))
    return code
