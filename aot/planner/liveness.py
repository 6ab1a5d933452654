"""Buffers to place and their lifetimes, in op steps.

A buffer is live over [first, last]: graph inputs from step 0, op outputs from their
producing op, until their last consumer; graph outputs stay live to the end so they can be
read after the run. Two buffers whose intervals intersect may not share bytes.
"""
from __future__ import annotations

from aot.ir import Graph
from aot.planner.plan import Buffer


def activation_buffers(g: Graph, scratch: dict[int, int] | None = None) -> list[Buffer]:
    """One Buffer per non-constant tensor, plus one per op scratch request {op index: bytes}."""
    n = len(g.ops)
    producers = g.producers()
    consumers = g.consumers()
    buffers = []
    for name in g.activations():
        first = producers.get(name, 0)
        last = max(consumers.get(name, [first]))
        if name in g.outputs:
            last = n
        buffers.append(Buffer(name, g.t(name).nbytes, first, last))
    for index, size in sorted((scratch or {}).items()):
        if size > 0:
            buffers.append(Buffer(f"scratch#{index}", size, index, index))
    return buffers


def lower_bound(g: Graph) -> int:
    """The activation lower bound of the models README: max over ops of live bytes (no aliasing)."""
    buffers = activation_buffers(g)
    return max((sum(b.size for b in buffers if b.first <= k <= b.last) for k in range(len(g.ops))), default=0)
