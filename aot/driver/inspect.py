"""`microaot inspect`: operators, tensors, quantisation, the memory plan, unsupported operators."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from aot import ops
from aot.core.ir import Graph
from aot.driver.compiler import compile_prepared, prepare
from aot.driver.report import table
from aot.frontends import read_model


def _quant_text(t) -> str:
    if t.quant is None:
        return ""
    if t.quant.per_tensor:
        return f"s={t.quant.tensor_scale:.6g} zp={t.quant.tensor_zero_point}"
    return f"per-channel[{t.quant.scale.size}] axis={t.quant.axis}"


def _op_entries(g: Graph) -> list[dict]:
    out = []
    for i, op in enumerate(g.ops):
        supported = op.kind != "unsupported"
        out.append({
            "index": i, "op": op.kind if supported else op.attrs["op"], "source": op.name,
            "inputs": [n for n in op.inputs if n is not None], "outputs": op.outputs,
            "macs": ops.get(op.kind).macs(op, g) if supported else None, "supported": supported,
        })
    return out


def memory_report(cm, board_name: str, plot: str | None) -> dict:
    """Build the firmware for the board to split flash into code and weights and bound the stack."""
    from aot.driver.plot import write_plot
    from aot.driver.runner import build_firmware
    from aot.target.boards import load_board

    fw = build_firmware(cm, load_board(board_name))
    b = fw.build
    weights = fw.meta["weights_bytes"]
    if plot:
        write_plot(cm.plan, plot, cm.graph.name, [op.kind for op in cm.graph.ops])
    return {
        "board": board_name, "arena_bytes": cm.plan.arena_bytes, "activation_lower_bound": cm.plan.largest_op_bytes,
        "flash_bytes": b.flash_bytes, "weights_bytes": weights, "code_bytes": b.flash_bytes - weights,
        "text": b.text, "rodata": b.rodata, "data": b.data, "bss": b.bss, "ram_bytes": b.ram_bytes,
        "stack_bytes": b.stack.bytes, "stack_complete": b.stack.complete, "in_place": sorted(cm.plan.in_place),
        "plot": plot,
    }


def inspect_model(args) -> int:
    """The graph as compiled (after the passes, in plan order) when the model has no problems;
    else as far as it got: the imported graph, or the optimized one if the ops' checks failed."""
    g, problems = read_model(args.model)
    plan = cm = None
    if not problems:
        g, problems = prepare(g)
    if not problems:
        cm = compile_prepared(g, Path(args.model), hashlib.sha256(Path(args.model).read_bytes()).hexdigest())
        g, plan = cm.graph, cm.plan
    entries = _op_entries(g)
    tensors = [{"name": n, "dtype": t.dtype, "shape": list(t.shape), "const": t.is_const, "bytes": t.nbytes,
                "quant": t.quant.to_json() if t.quant is not None else None} for n, t in g.tensors.items()]
    result = {
        "model": str(args.model), "inputs": g.inputs, "outputs": g.outputs, "ops": entries, "tensors": tensors,
        "unsupported": [{"location": loc, "op": op, "reason": why} for loc, op, why in problems],
        "arena_bytes": plan.arena_bytes if plan else None, "activation_lower_bound": plan.largest_op_bytes if plan else None,
        "plan": [{"name": b.name, "offset": plan.offsets[b.name], "bytes": b.size, "first": b.first, "last": b.last} for b in plan.buffers] if plan else None,
    }
    if args.memory:
        if cm is None:
            from aot.core.errors import UnsupportedError

            raise UnsupportedError(problems)
        result["memory"] = memory_report(cm, args.board, args.plot)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"model {args.model}: {len(g.ops)} operators, {len(g.tensors)} tensors")
    print()
    print(table(["#", "op", "source", "MACs", "outputs"],
                [[e["index"], e["op"], e["source"], "-" if e["macs"] is None else e["macs"], ", ".join(e["outputs"])] for e in entries], "rllrl"))
    print()
    rows = [[n, t.dtype, "x".join(map(str, t.shape)) or "scalar", "const" if t.is_const else "act", t.nbytes, _quant_text(t)]
            for n, t in g.tensors.items()]
    print(table(["tensor", "dtype", "shape", "kind", "bytes", "quantisation"], rows, "llllrl"))
    print()
    if cm:
        from aot.driver.report import memory_table

        print(memory_table(cm.graph, cm.plan))
    if args.memory:
        m = result["memory"]
        print()
        print(f"flash on {m['board']}: {m['flash_bytes']:,} B = code {m['code_bytes']:,} B + weights {m['weights_bytes']:,} B "
              f"(.text {m['text']:,}, .rodata {m['rodata']:,}, .data {m['data']:,})")
        print(f"RAM: static {m['ram_bytes']:,} B (.data + .bss, arena {m['arena_bytes']:,} B included) "
              f"+ stack bound {m['stack_bytes']:,} B{'' if m['stack_complete'] else ' (incomplete: see the build notes)'}")
        if m["plot"]:
            print(f"arena picture: {m['plot']}")
    if problems:
        print(f"unsupported ({len(problems)}):")
        for loc, op, why in problems:
            print(f"  {loc} {op}: {why}")
    return 0
