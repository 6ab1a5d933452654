"""Human-readable tables: the memory plan, the operator list, run comparisons."""
from __future__ import annotations

from aot.core.ir import Graph
from aot.core.text import short
from aot.planner import Plan
from aot.planner.liveness import lifetimes
from aot.planner.plan import SCRATCH


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """A plain-text table; `align` is one char per column, 'l' or 'r' (default: numbers right)."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    if align is None:
        align = "".join("r" if rows and isinstance(rows[0][i], (int, float)) else "l" for i in range(len(headers)))

    def fmt(row):
        return "  ".join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(row, widths, align)).rstrip()

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in cells)])


def memory_table(g: Graph, plan: Plan) -> str:
    """Every activation tensor and scratch buffer: offset, bytes, live op steps, sharing."""
    spans = lifetimes(g)
    ids = {name: f"t{i}" for i, name in enumerate(spans)}
    rows = []
    for name, (first, last) in spans.items():
        root = plan.aliases.get(name)
        delta = plan.deltas.get(name)
        storage = (f"in {ids[root]} at +{delta}" if delta is not None else f"shares {ids[root]}") if root else ""
        rows.append([ids[name], short(name), plan.offset(name), g.tensor(name).nbytes, f"{first}..{last}", storage])
    rows += [["", b.name, plan.offsets[b.name], b.size, f"{b.first}..{b.last}", "kernel scratch"] for b in plan.buffers if b.name.startswith(SCRATCH)]
    rows.sort(key=lambda r: (r[2], r[4]))
    in_place = ", ".join(f"#{i} {g.ops[i].kind}" for i in sorted(plan.in_place)) or "none"
    head = (
        f"arena {plan.arena_bytes} bytes (planner {plan.planner}{', proven minimal' if plan.optimal else ''}, "
        f"alignment {plan.alignment}); largest op inputs + outputs {plan.largest_op_bytes} bytes\nin place: {in_place}"
    )
    text = head + "\n" + table(["id", "tensor", "offset", "bytes", "live (ops)", "storage"], rows, "llrrll")
    if plan.state:
        state = [[short(name), off, g.tensor(name).nbytes] for name, off in plan.state.items()]
        text += (f"\nstate {plan.state_bytes} bytes (persistent across inferences, apart from the arena)\n"
                 + table(["variable tensor", "offset", "bytes"], state, "lrr"))
    return text


def largest_op_keys(largest_op_bytes: int | None) -> dict:
    """The largest single op's inputs + outputs (Plan.largest_op_bytes) as JSON reports give it:
    ``largest_op_bytes``, and under its older name ``activation_lower_bound`` (kept: scripts read it)."""
    return {"activation_lower_bound": largest_op_bytes, "largest_op_bytes": largest_op_bytes}
