"""A picture of the arena over time: op steps across, byte offsets down, one box per buffer
(a storage group's box follows its size at each step). SVG, written by hand; PNG through
matplotlib when it is installed."""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from aot.core.errors import AotError
from aot.planner import Plan

WIDTH, HEIGHT, MARGIN = 900, 480, 60
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def _boxes(plan: Plan):
    """(buffer, step, offset, bytes) for every step each buffer is live."""
    for b in plan.buffers:
        off = plan.offsets[b.name]
        for t in range(b.first, b.last + 1):
            if b.bytes_at(t):
                yield b, t, off, b.bytes_at(t)


def _colours(plan: Plan) -> dict[str, str]:
    return {b.name: PALETTE[i % len(PALETTE)] for i, b in enumerate(sorted(plan.buffers, key=lambda b: (b.first, b.name)))}


def arena_svg(plan: Plan, title: str, op_names: list[str]) -> str:
    steps = max((b.last for b in plan.buffers), default=0) + 1
    arena = max(plan.arena_bytes, 1)
    sx = (WIDTH - 2 * MARGIN) / steps
    sy = (HEIGHT - 2 * MARGIN) / arena
    colour = _colours(plan)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="11">',
        f'<text x="{MARGIN}" y="20" font-size="14">{escape(title)}: arena {plan.arena_bytes:,} B, '
        f'largest op inputs + outputs {plan.largest_op_bytes:,} B ({plan.planner})</text>',
        f'<rect x="{MARGIN}" y="{MARGIN}" width="{WIDTH - 2 * MARGIN}" height="{HEIGHT - 2 * MARGIN}" fill="none" stroke="#888"/>',
    ]
    for b, t, off, size in _boxes(plan):
        parts.append(
            f'<rect x="{MARGIN + t * sx:.2f}" y="{MARGIN + off * sy:.2f}" width="{sx:.2f}" height="{max(size * sy, 0.5):.2f}" '
            f'fill="{colour[b.name]}" stroke="#fff" stroke-width="0.5"><title>{escape(b.name)}: {size} B at {off}, op {t}</title></rect>'
        )
    for t in range(steps):
        label = op_names[t] if t < len(op_names) else "end"
        parts.append(f'<text x="{MARGIN + (t + 0.5) * sx:.2f}" y="{HEIGHT - MARGIN + 14}" text-anchor="end" '
                     f'transform="rotate(-60 {MARGIN + (t + 0.5) * sx:.2f} {HEIGHT - MARGIN + 14})">{t} {escape(label)}</text>')
    for frac in (0, 0.25, 0.5, 0.75, 1):
        y = MARGIN + frac * arena * sy
        parts.append(f'<text x="{MARGIN - 4}" y="{y + 4:.2f}" text-anchor="end">{int(frac * arena):,}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_plot(plan: Plan, path: Path, title: str, op_names: list[str]) -> None:
    path = Path(path)
    if path.suffix == ".svg":
        path.write_text(arena_svg(plan, title, op_names))
        return
    if path.suffix != ".png":
        raise AotError(f"{path}: the plot must be .svg or .png")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise AotError("a .png plot needs matplotlib (pip install matplotlib); .svg needs nothing") from None
    fig, ax = plt.subplots(figsize=(10, 5))
    colour = _colours(plan)
    for b, t, off, size in _boxes(plan):
        ax.add_patch(plt.Rectangle((t, off), 1, size, edgecolor="white", linewidth=0.3, facecolor=colour[b.name]))
    ax.set_xlim(0, max((b.last for b in plan.buffers), default=0) + 1)
    ax.set_ylim(plan.arena_bytes, 0)
    ax.set_xlabel("op step")
    ax.set_ylabel("arena offset (bytes)")
    ax.set_title(f"{title}: arena {plan.arena_bytes:,} B, largest op inputs + outputs {plan.largest_op_bytes:,} B")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
