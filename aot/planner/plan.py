"""The Plan, the placement strategies behind one signature, and the validator every plan passes."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from aot.core.errors import AotError

SCRATCH = "scratch#"  # buffer name prefix of an op's scratch request: scratch#<op index>


@dataclass(frozen=True)
class Buffer:
    """Bytes live from op step ``first`` to ``last``. A storage group (tensors sharing one base
    offset, e.g. an op's input and the output it writes in place) has a ``profile``: its
    bytes at each step first..last; ``size`` is then the largest of them."""

    name: str
    size: int
    first: int  # first op step it is live
    last: int  # last op step it is live
    profile: tuple[int, ...] | None = None

    def overlaps_in_time(self, other: "Buffer") -> bool:
        return self.first <= other.last and other.first <= self.last

    def bytes_at(self, step: int) -> int:
        return self.profile[step - self.first] if self.profile else self.size

    def reach(self, other: "Buffer") -> int:
        """The most bytes it holds while ``other`` is live too."""
        if not self.profile:
            return self.size
        lo, hi = max(self.first, other.first), min(self.last, other.last)
        return max(self.profile[lo - self.first : hi - self.first + 1], default=0)

    def collides(self, offset: int, other: "Buffer", other_offset: int) -> bool:
        """Do the two share a byte at some step they are both live?"""
        for t in range(max(self.first, other.first), min(self.last, other.last) + 1):
            a, b = self.bytes_at(t), other.bytes_at(t)
            if a and b and offset < other_offset + b and other_offset < offset + a:
                return True
        return False


@dataclass
class Plan:
    buffers: list[Buffer]
    offsets: dict[str, int]  # buffer name -> byte offset
    arena_bytes: int
    alignment: int
    planner: str
    largest_op_bytes: int = 0  # the largest single op's inputs + outputs (no sharing): what most planners cannot go below
    aliases: dict[str, str] = field(default_factory=dict)  # tensor -> buffer it shares (in place, reshape)
    deltas: dict[str, int] = field(default_factory=dict)  # tensor -> its byte offset in that buffer (0 if absent)
    in_place: frozenset[int] = frozenset()  # ops whose output overwrites an input, in their kernel's order
    order: list[int] | None = None  # op order the plan was made for, as indices of the model's order
    optimal: bool = False  # the placement was proven minimal for these buffers
    state: dict[str, int] = field(default_factory=dict)  # variable tensor -> its byte offset in the state area
    state_bytes: int = 0  # the state area (persistent across inferences, apart from the arena)

    def offset(self, name: str) -> int:
        """Byte offset of a tensor: in the arena, or (a variable tensor) in the state area."""
        if name in self.state:
            return self.state[name]
        return self.offsets[self.aliases.get(name, name)] + self.deltas.get(name, 0)

    def scratch(self) -> dict[int, int]:
        """{op index: bytes} of the kernels' scratch buffers in this plan."""
        return {int(b.name[len(SCRATCH):]): b.size for b in self.buffers if b.name.startswith(SCRATCH)}

    def overwritten_input(self, index: int, inputs: list[str | None], output: str | None) -> int | None:
        """Which of op ``index``'s inputs its output overwrites (None: the op is not in place, or
        has no output)."""
        if index not in self.in_place or output is None:
            return None
        root = self.aliases.get(output, output)
        return next(k for k, name in enumerate(inputs) if name is not None and self.aliases.get(name, name) == root)


def align_up(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def state_area(sizes: list[tuple[str, int]], alignment: int) -> tuple[dict[str, int], int]:
    """The state area: every variable tensor (name, bytes) back to back, each ``alignment``-aligned,
    for the life of the program (nothing shares it). Returns ({name: offset}, total bytes)."""
    offsets, top = {}, 0
    for name, size in sizes:
        offsets[name] = top
        top = align_up(top + size, alignment)
    return offsets, top


def _place(order: list[Buffer], alignment: int) -> dict[str, int]:
    """Each buffer in turn at the lowest aligned offset that clears every already placed
    buffer it is live together with (TFLM's first-fit gap search)."""
    placed: list[tuple[int, Buffer]] = []
    for b in order:
        placed.append((_first_fit(placed, b, alignment), b))
    return {b.name: off for off, b in placed}


def greedy_by_size(buffers: list[Buffer], alignment: int) -> dict[str, int]:
    """TFLM's GreedyMemoryPlanner: largest first."""
    return _place(sorted(buffers, key=lambda b: (-b.size, b.first, b.name)), alignment)


def greedy_by_conflict(buffers: list[Buffer], alignment: int) -> dict[str, int]:
    """Most constrained first: buffers that are live together with the most bytes go first."""
    pressure = {b.name: sum(o.size for o in buffers if o.overlaps_in_time(b)) for b in buffers}
    return _place(sorted(buffers, key=lambda b: (-pressure[b.name], -b.size, b.name)), alignment)


def greedy_by_time(buffers: list[Buffer], alignment: int) -> dict[str, int]:
    """In order of first use (ties: largest first), like a stack allocator that reuses holes."""
    return _place(sorted(buffers, key=lambda b: (b.first, -b.size, b.name)), alignment)


PLANNERS = {"greedy_by_size": greedy_by_size, "greedy_by_conflict": greedy_by_conflict, "greedy_by_time": greedy_by_time}

EXACT_MAX_BUFFERS = 14
EXACT_SECONDS = 0.3


def exact(buffers: list[Buffer], alignment: int, upper: int) -> tuple[dict[str, int], bool] | None:
    """Branch and bound over placement orders (every minimal placement is first-fit for some
    order). Returns (offsets, proven) when it beats ``upper``; gives up after EXACT_SECONDS."""
    if len(buffers) > EXACT_MAX_BUFFERS:
        return None
    deadline = time.monotonic() + EXACT_SECONDS
    best: list = [None, upper]
    complete = [True]
    peak = max((sum(b.bytes_at(t) for b in buffers if b.first <= t <= b.last) for t in range(min_step(buffers), max_step(buffers) + 1)), default=0)

    def search(placed: list[tuple[int, Buffer]], rest: list[Buffer], top: int) -> None:
        if time.monotonic() > deadline:
            complete[0] = False
            return
        if not rest:
            if top < best[1]:
                best[0], best[1] = {b.name: off for off, b in placed}, top
            return
        if max(top, peak) >= best[1]:
            return
        for i, b in enumerate(rest):
            off = _first_fit(placed, b, alignment)
            search(placed + [(off, b)], rest[:i] + rest[i + 1 :], max(top, align_up(off + b.size, alignment)))
            if best[1] <= peak:
                return

    search([], sorted(buffers, key=lambda b: -b.size), 0)
    if best[0] is None:
        return None
    return best[0], complete[0]


def min_step(buffers: list[Buffer]) -> int:
    return min((b.first for b in buffers), default=0)


def max_step(buffers: list[Buffer]) -> int:
    return max((b.last for b in buffers), default=-1)


def _first_fit(placed: list[tuple[int, Buffer]], b: Buffer, alignment: int) -> int:
    """The lowest aligned offset where b clears every placed buffer it is live together with."""
    conflicts = sorted(((o, p) for o, p in placed if p.overlaps_in_time(b)), key=lambda x: (x[0], x[1].name))
    candidate = 0
    moved = True
    while moved:
        moved = False
        for off, other in conflicts:
            if b.collides(candidate, other, off):
                candidate = align_up(off + other.reach(b), alignment)
                moved = True
    return candidate


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
            if a.collides(oa, b, plan.offsets[b.name]):
                raise AotError(f"memory plan: {a.name} and {b.name} are live together but overlap in the arena")


def plan_memory(buffers: list[Buffer], alignment: int = 4, largest_op_bytes: int = 0, *, try_exact: bool = True, **extra) -> Plan:
    """Run every placement strategy (and the exact search on small sets), validate each plan,
    keep the smallest (ties: first listed)."""
    best: Plan | None = None
    for name, planner in PLANNERS.items():
        offsets = planner(buffers, alignment)
        plan = _make(buffers, offsets, alignment, name, largest_op_bytes, extra)
        if best is None or plan.arena_bytes < best.arena_bytes:
            best = plan
    assert best is not None
    found = exact(buffers, alignment, best.arena_bytes + 1) if try_exact else None
    if found is not None:
        offsets, proven = found
        plan = _make(buffers, offsets, alignment, "exact", largest_op_bytes, extra)
        plan.optimal = proven
        if plan.arena_bytes <= best.arena_bytes:
            best = plan
    return best


def _make(buffers, offsets, alignment, name, largest_op_bytes, extra) -> Plan:
    arena = align_up(max((offsets[b.name] + b.size for b in buffers), default=0), alignment)
    plan = Plan(buffers, offsets, arena, alignment, name, largest_op_bytes, **extra)
    validate(plan)
    return plan
