"""Buffers to place and their lifetimes, in op steps.

A tensor is live over [first, last]: graph inputs from step 0, op outputs from their
producing op, until their last consumer; graph outputs stay live to the end so they can be
read after the run. Tensors that share storage (an op running in place, a reshape) form one
buffer: the largest member's size over the union of their lifetimes. Two buffers whose
intervals intersect may not share bytes.
"""
from __future__ import annotations

from aot.core.ir import Graph
from aot.planner.plan import SCRATCH, Buffer


def lifetimes(g: Graph) -> dict[str, tuple[int, int]]:
    n = len(g.ops)
    producers = g.producers()
    consumers = g.consumers()
    spans = {}
    for name in g.activations():
        first = producers.get(name, 0)
        last = max(consumers.get(name, [first]))
        spans[name] = (first, n if name in g.outputs else last)
    return spans


def activation_buffers(g: Graph, scratch: dict[int, int] | None = None, aliases: dict[str, str] | None = None,
                       deltas: dict[str, int] | None = None) -> list[Buffer]:
    """One Buffer per storage group of non-constant tensors (``aliases`` maps a tensor to the
    tensor whose storage it shares, ``deltas`` the byte it starts at there), plus one per op
    scratch request {op index: bytes}."""
    aliases, deltas = aliases or {}, deltas or {}
    members: dict[str, list[tuple[int, int, int]]] = {}
    for name, (first, last) in lifetimes(g).items():
        members.setdefault(aliases.get(name, name), []).append((first, last, deltas.get(name, 0) + g.tensor(name).nbytes))
    buffers = []
    for root, spans in members.items():
        first, last = min(s[0] for s in spans), max(s[1] for s in spans)
        if len(spans) == 1:
            buffers.append(Buffer(root, spans[0][2], first, last))
            continue
        profile = tuple(max((size for f, l, size in spans if f <= t <= l), default=0) for t in range(first, last + 1))
        buffers.append(Buffer(root, max(profile), first, last, profile))
    for index, size in sorted((scratch or {}).items()):
        if size > 0:
            buffers.append(Buffer(f"{SCRATCH}{index}", size, index, index))
    return buffers


def largest_op_bytes(g: Graph) -> int:
    """The activation lower bound of the models README: max over ops of live bytes (no aliasing)."""
    buffers = activation_buffers(g)
    return max((sum(b.size for b in buffers if b.first <= k <= b.last) for k in range(len(g.ops))), default=0)
