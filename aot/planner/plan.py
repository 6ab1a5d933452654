"""The Plan, the planners behind one signature, and the validator every plan passes."""
from __future__ import annotations

from dataclasses import dataclass, field

from aot.errors import AotError


@dataclass(frozen=True)
class Buffer:
    name: str
    size: int
    first: int  # first op step it is live
    last: int  # last op step it is live

    def overlaps_in_time(self, other: "Buffer") -> bool:
        return self.first <= other.last and other.first <= self.last


@dataclass
class Plan:
    buffers: list[Buffer]
    offsets: dict[str, int]
    arena_bytes: int
    alignment: int
    planner: str
    lower_bound: int = 0
    notes: list[str] = field(default_factory=list)

    def offset(self, name: str) -> int:
        return self.offsets[name]


def _align(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def greedy_by_size(buffers: list[Buffer], alignment: int) -> dict[str, int]:
    """TFLM's GreedyMemoryPlanner: largest first, each in the lowest gap that fits among
    the already placed buffers it is live together with."""
    order = sorted(buffers, key=lambda b: (-b.size, b.first, b.name))
    placed: list[tuple[int, Buffer]] = []
    offsets: dict[str, int] = {}
    for b in order:
        conflicts = sorted(((off, other) for off, other in placed if other.overlaps_in_time(b)), key=lambda p: (p[0], p[1].name))
        candidate = 0
        for off, other in conflicts:
            if candidate + b.size <= off:
                break
            candidate = max(candidate, _align(off + other.size, alignment))
        offsets[b.name] = candidate
        placed.append((candidate, b))
    return offsets


PLANNERS = {"greedy_by_size": greedy_by_size}


def validate(plan: Plan) -> None:
    """Raise if two simultaneously live buffers overlap, an offset is misaligned or out of bounds."""
    bufs = plan.buffers
    for b in bufs:
        off = plan.offsets[b.name]
        if off % plan.alignment:
            raise AotError(f"memory plan: {b.name} at offset {off} is not {plan.alignment}-byte aligned")
        if off < 0 or off + b.size > plan.arena_bytes:
            raise AotError(f"memory plan: {b.name} [{off}, {off + b.size}) lies outside the arena of {plan.arena_bytes} bytes")
    for i, a in enumerate(bufs):
        oa = plan.offsets[a.name]
        for b in bufs[i + 1 :]:
            ob = plan.offsets[b.name]
            if a.overlaps_in_time(b) and oa < ob + b.size and ob < oa + a.size and a.size and b.size:
                raise AotError(f"memory plan: {a.name} and {b.name} are live together but overlap in the arena")


def plan_memory(buffers: list[Buffer], alignment: int = 4, lower_bound: int = 0) -> Plan:
    """Run every planner, validate each plan, keep the smallest (ties: first listed)."""
    best: Plan | None = None
    for name, planner in PLANNERS.items():
        offsets = planner(buffers, alignment)
        arena = _align(max((offsets[b.name] + b.size for b in buffers), default=0), alignment)
        plan = Plan(buffers, offsets, arena, alignment, name, lower_bound)
        validate(plan)
        if best is None or plan.arena_bytes < best.arena_bytes:
            best = plan
    assert best is not None
    return best
