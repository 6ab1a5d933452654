"""A picture of the arena over time: op steps across, byte offsets down, one box per buffer
(a storage group's box follows its size at each step). One chart description (ArenaChart, in op
steps and bytes) drives both writers: the SVG, written by hand and laid out so that no label is
clipped, and the PNG, drawn by matplotlib (the optional `plot` extra)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from aot.core.errors import AotError
from aot.planner import Plan

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
SUFFIXES = (".svg", ".png")


@dataclass
class Box:
    name: str      # the buffer
    step: int      # op step (x)
    offset: int    # arena offset in bytes (y, downwards)
    bytes: int
    colour: str


@dataclass
class ArenaChart:
    title: str
    steps: int                 # op steps across (the last one may be "end")
    arena_bytes: int
    boxes: list[Box]
    step_labels: list[str]     # "<step> <op kind>", one per step
    offset_ticks: list[int]    # bytes, top to bottom
    xlabel: str = "operator (run order)"
    ylabel: str = "arena offset (bytes)"


def arena_chart(plan: Plan, title: str, op_names: list[str]) -> ArenaChart:
    steps = max((b.last for b in plan.buffers), default=0) + 1
    order = sorted(plan.buffers, key=lambda b: (b.first, b.name))
    colour = {b.name: PALETTE[i % len(PALETTE)] for i, b in enumerate(order)}
    boxes = [Box(b.name, t, plan.offsets[b.name], b.bytes_at(t), colour[b.name])
             for b in plan.buffers for t in range(b.first, b.last + 1) if b.bytes_at(t)]
    return ArenaChart(
        title=f"{title}: arena {plan.arena_bytes:,} B, largest op inputs + outputs {plan.largest_op_bytes:,} B ({plan.planner})",
        steps=steps, arena_bytes=plan.arena_bytes, boxes=boxes,
        step_labels=[f"{t} {op_names[t] if t < len(op_names) else 'end'}" for t in range(steps)],
        offset_ticks=[round(f * plan.arena_bytes) for f in (0, 0.25, 0.5, 0.75, 1)],
    )


# SVG layout, in px. Text widths are estimated generously (CHAR_EM em a character: wider than a
# sans-serif font's digits and lowercase letters), so the margins hold the longest label.
FONT, TITLE_FONT, CHAR_EM, PAD = 11, 14, 0.7, 8
PLOT_WIDTH, PLOT_HEIGHT, STEP_MIN = 780, 360, 16  # a step is at least STEP_MIN px: one label each, no overlap


def _text_width(text: str, size: int) -> float:
    return len(text) * CHAR_EM * size


def arena_svg(chart: ArenaChart) -> str:
    arena = max(chart.arena_bytes, 1)
    ticks = [f"{v:,}" for v in chart.offset_ticks]
    sx = max(PLOT_WIDTH / chart.steps, STEP_MIN)
    plot_w, sy = sx * chart.steps, PLOT_HEIGHT / arena
    left = PAD + FONT + PAD + max(_text_width(t, FONT) for t in ticks) + PAD  # y label, tick labels
    top = PAD + TITLE_FONT + PAD
    labels_bottom = top + PLOT_HEIGHT + PAD + max(_text_width(s, FONT) for s in chart.step_labels)
    width = math.ceil(max(left + plot_w, PAD + _text_width(chart.title, TITLE_FONT), left + _text_width(chart.xlabel, FONT)) + PAD)
    height = math.ceil(labels_bottom + PAD + FONT + PAD)
    y_mid = top + PLOT_HEIGHT / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="sans-serif" font-size="{FONT}">',
        f'<text x="{PAD}" y="{PAD + TITLE_FONT}" font-size="{TITLE_FONT}">{escape(chart.title)}</text>',
        f'<rect x="{left:.2f}" y="{top}" width="{plot_w:.2f}" height="{PLOT_HEIGHT}" fill="none" stroke="#888"/>',
    ]
    for b in chart.boxes:
        parts.append(
            f'<rect x="{left + b.step * sx:.2f}" y="{top + b.offset * sy:.2f}" width="{sx:.2f}" height="{max(b.bytes * sy, 0.5):.2f}" '
            f'fill="{b.colour}" stroke="#fff" stroke-width="0.5"><title>{escape(b.name)}: {b.bytes} B at {b.offset}, op {b.step}</title></rect>')
    for t, label in enumerate(chart.step_labels):  # read upwards, ending just below the plot, centred on the step
        x, y = left + (t + 0.5) * sx + FONT * 0.35, top + PLOT_HEIGHT + PAD
        parts.append(f'<text x="{x:.2f}" y="{y}" text-anchor="end" transform="rotate(-90 {x:.2f} {y})">{escape(label)}</text>')
    for value, text in zip(chart.offset_ticks, ticks):
        parts.append(f'<text x="{left - PAD:.2f}" y="{top + value * sy + FONT * 0.35:.2f}" text-anchor="end">{text}</text>')
    parts.append(f'<text x="{left:.2f}" y="{height - PAD}">{escape(chart.xlabel)}</text>')
    parts.append(f'<text x="{PAD + FONT}" y="{y_mid:.2f}" text-anchor="middle" '
                 f'transform="rotate(-90 {PAD + FONT} {y_mid:.2f})">{escape(chart.ylabel)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def arena_png(chart: ArenaChart, path: Path) -> None:
    Figure, Rectangle = _matplotlib()
    fig = Figure(figsize=(max(10.0, 0.2 * chart.steps), 6))
    ax = fig.add_subplot()
    for b in chart.boxes:
        ax.add_patch(Rectangle((b.step, b.offset), 1, b.bytes, facecolor=b.colour, edgecolor="white", linewidth=0.3))
    ax.set_xlim(0, chart.steps)
    ax.set_ylim(max(chart.arena_bytes, 1), 0)
    ax.set_xticks([t + 0.5 for t in range(chart.steps)], chart.step_labels, rotation=90, fontsize=8)
    ax.set_yticks(chart.offset_ticks, [f"{v:,}" for v in chart.offset_ticks])
    ax.set_xlabel(chart.xlabel)
    ax.set_ylabel(chart.ylabel)
    ax.set_title(chart.title, fontsize=10)
    fig.savefig(path, dpi=100, bbox_inches="tight")  # "tight": the figure grows to hold every label


def _matplotlib():
    # function-level import: matplotlib is the optional `plot` extra, needed only for a .png
    try:
        from matplotlib.figure import Figure
        from matplotlib.patches import Rectangle
    except ImportError:
        raise AotError("a .png plot needs matplotlib: pip install microaot[plot] (a .svg plot needs nothing)") from None
    return Figure, Rectangle


def check_plot_path(path: Path | str) -> None:
    """Refuse, before anything builds, a plot we cannot write: an unknown extension, a .png without matplotlib."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise AotError(f"{path}: the plot must be .svg or .png, not {suffix or 'a name without an extension'}")
    if suffix == ".png":
        _matplotlib()


def write_plot(plan: Plan, path: Path | str, title: str, op_names: list[str]) -> None:
    check_plot_path(path)
    chart = arena_chart(plan, title, op_names)
    if Path(path).suffix.lower() == ".svg":
        Path(path).write_text(arena_svg(chart))
    else:
        arena_png(chart, Path(path))
