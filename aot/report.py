"""Human-readable tables: the memory plan, the operator list, run comparisons."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aot.compiler import CompiledModel


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """A plain-text table; `align` is one char per column, 'l' or 'r' (default: numbers right)."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    if align is None:
        align = "".join("r" if rows and isinstance(rows[0][i], (int, float)) else "l" for i in range(len(headers)))

    def fmt(row):
        return "  ".join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(row, widths, align)).rstrip()

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in cells)])


def memory_table(cm: "CompiledModel") -> str:
    plan = cm.plan
    rows = [[b.name, plan.offsets[b.name], b.size, f"{b.first}..{b.last}"] for b in sorted(plan.buffers, key=lambda b: (plan.offsets[b.name], b.first))]
    head = (
        f"arena {plan.arena_bytes} bytes (planner {plan.planner}, alignment {plan.alignment}); "
        f"activation lower bound {plan.lower_bound} bytes"
    )
    return head + "\n" + table(["buffer", "offset", "bytes", "live (ops)"], rows, "lrrl")
