"""`microaot inspect`: operators, tensors, quantisation, the memory plan, unsupported operators."""
from __future__ import annotations

import json

from aot import ops
from aot.compiler import compile_graph
from aot.frontends import read_model
from aot.ir import Graph
from aot.report import table


def _quant_text(t) -> str:
    if t.quant is None:
        return ""
    if t.quant.per_tensor:
        return f"s={t.quant.s:.6g} zp={t.quant.zp}"
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


def inspect_model(args) -> int:
    g, problems = read_model(args.model)
    entries = _op_entries(g)
    tensors = [{"name": n, "dtype": t.dtype, "shape": list(t.shape), "const": t.is_const, "bytes": t.nbytes,
                "quant": t.quant.to_json() if t.quant is not None else None} for n, t in g.tensors.items()]
    plan = cm = None
    if not problems:
        cm = compile_graph(g, args.model, "")
        g, plan = cm.graph, cm.plan
    result = {
        "model": str(args.model), "inputs": g.inputs, "outputs": g.outputs, "ops": entries, "tensors": tensors,
        "unsupported": [{"location": loc, "op": op, "reason": why} for loc, op, why in problems],
        "arena_bytes": plan.arena_bytes if plan else None, "activation_lower_bound": plan.lower_bound if plan else None,
        "plan": [{"name": b.name, "offset": plan.offsets[b.name], "bytes": b.size, "first": b.first, "last": b.last} for b in plan.buffers] if plan else None,
    }
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
        from aot.report import memory_table

        print(memory_table(cm))
    if problems:
        print(f"unsupported ({len(problems)}):")
        for loc, op, why in problems:
            print(f"  {loc} {op}: {why}")
    return 0
