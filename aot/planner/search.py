"""Choose the op order, the in-place ops and the placement that give the smallest arena."""
from __future__ import annotations

from dataclasses import replace

from aot.core.ir import Graph, itemsize
from aot.planner.inplace import Offer, storage_groups
from aot.planner.liveness import activation_buffers, largest_op_bytes
from aot.planner.plan import Plan, plan_memory, state_area


def reordered(g: Graph, order: list[int]) -> Graph:
    return replace(g, ops=[g.ops[i] for i in order])


def memory_aware_order(g: Graph) -> list[int]:
    """A topological order that, among the ready ops, runs first the one that grows the live
    set least (frees the most): it helps on branching graphs (residual blocks)."""
    producers = g.producers()
    consumers = g.consumers()
    deps = {i: {producers[n] for n in op.inputs if n is not None and n in producers} for i, op in enumerate(g.ops)}
    for users in (sorted(set(consumers[n])) for n in g.state()):  # the ops using one state tensor keep their order
        for before, after in zip(users, users[1:]):
            deps[after].add(before)
    remaining_uses = {n: len(set(c)) for n, c in consumers.items()}
    done: list[int] = []
    ready = sorted(i for i, d in deps.items() if not d)
    while ready:
        def growth(i: int) -> tuple[int, int]:
            op = g.ops[i]
            alloc = sum(g.tensor(n).nbytes for n in op.outputs)
            freed = sum(g.tensor(n).nbytes for n in set(op.inputs) if n is not None and not g.tensor(n).is_const
                        and remaining_uses.get(n) == 1 and n not in g.outputs)
            return (alloc - freed, i)

        best = min(ready, key=growth)
        ready.remove(best)
        done.append(best)
        for n in set(g.ops[best].inputs):
            if n is not None and n in remaining_uses:
                remaining_uses[n] -= 1
        for i, d in deps.items():
            if i not in done and i not in ready and d <= set(done):
                ready.append(i)
        ready.sort()
    return done


def _plan(g: Graph, chosen: dict[int, Offer], alignment: int, bound: int, order: list[int], try_exact: bool = False) -> Plan:
    groups = storage_groups(g, chosen, alignment)
    state, state_bytes = state_area([(n, g.tensor(n).nbytes) for n in g.state()], alignment)
    return plan_memory(activation_buffers(g, groups.scratch, groups.aliases, groups.deltas), alignment, bound,
                       try_exact=try_exact, aliases=groups.aliases, deltas=groups.deltas, in_place=groups.in_place,
                       order=order, state=state, state_bytes=state_bytes)


def _key(p: Plan) -> tuple[int, int]:
    return (p.arena_bytes, len(p.in_place))


def _choose_in_place(h: Graph, found: dict[int, Offer], alignment: int, bound: int, order: list[int]) -> dict[int, Offer]:
    """Start from every offer, then drop the in-place ops and assembled inputs that do not shrink
    the arena (sharing storage can fragment the arena, and producing into a concatenation's output
    makes it live earlier), so only useful ones remain; views (the output is the input's bytes)
    always stay."""
    chosen = dict(found)
    best = _plan(h, chosen, alignment, bound, order)
    for i in sorted(found):
        if getattr(found[i], "view", False):
            continue
        trial = {k: v for k, v in chosen.items() if k != i}
        plan = _plan(h, trial, alignment, bound, order)
        if plan.arena_bytes <= best.arena_bytes:
            chosen, best = trial, plan
    return chosen


MIN_ALIGNMENT = 4  # int32 / float32 tensors, and the DSP kernels' int16 scratch columns read as 32-bit words


def arena_alignment(g: Graph) -> int:
    """The alignment of the arena and of every buffer in it, the number model.h
    (<PREFIX>_ARENA_ALIGN), metadata.json and memory.txt give: the largest element of a tensor the
    arena holds (8 when it holds int64 indices), at least MIN_ALIGNMENT. The kernels read each
    tensor through a pointer to its element type and the DSP kernels' unaligned words through
    LDR/STR, so nothing needs more."""
    return max([MIN_ALIGNMENT] + [itemsize(t.dtype) for t in g.tensors.values() if not t.is_const])  # variables too


def plan_graph(g: Graph, alignment: int | None = None, offers: dict[int, Offer] | None = None) -> Plan:
    """The smallest valid plan over op orders x in-place choices x placement strategies.
    ``alignment``: of the arena and every buffer in it (default: ``arena_alignment``).

    ``offers`` {op index in ``g``: Overwrite or Assemble}: the ops that may run in place or have
    their inputs produced into their output (none: no op does).
    ``plan.order`` gives the op order the plan (and so the generated code) follows."""
    alignment = alignment or arena_alignment(g)
    bound = largest_op_bytes(g)
    orders = [list(range(len(g.ops)))]
    alt = memory_aware_order(g)
    if alt != orders[0]:
        orders.append(alt)
    best: Plan | None = None
    for order in orders:
        h = reordered(g, order)
        found = {step: (offers or {})[i] for step, i in enumerate(order) if i in (offers or {})}
        chosen = _choose_in_place(h, found, alignment, bound, order)
        plan = _plan(h, chosen, alignment, bound, order, try_exact=True)
        if best is None or _key(plan) < _key(best):
            best = plan
    assert best is not None
    return best
