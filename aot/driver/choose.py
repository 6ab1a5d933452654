"""Kernel choice: which declared kernel (codegen_c/kernel.py) generates each op, and the plan
that holds its scratch buffers. The policy reads the kernels' declarations as data and names
no operator.

1. ``offers``: what every core can run in place (the kernels that need no CPU feature and
   declare ``overwrites``), handed to the planner as plain Overwrite records;
2. the planner makes the plan for those kernels (op order, in-place ops, placement);
3. ``select``: each op gets the tuning record's kernel, else its most preferred candidate on the
   board (codegen_c/registry.py: candidates keep the plan's in-place promise), and the plan is
   remade with their scratch buffers. ``priority`` (`--priority`) trades speed for RAM:
   "speed" keeps that choice whatever its scratch costs; "balanced" (the default) keeps the
   arena at or below the plan of step 2: the ops are added back one at a time, most MACs first,
   each with the fastest of its knob settings (its kernel's ``knobs``, leaner ones later) that
   keeps the arena within bound, else the op's first candidate (its reference kernel); "ram"
   does the same with the bound lowered to the smallest arena found so far.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from aot import ops
from aot.core.ir import Graph
from aot.planner import Plan, plan_memory
from aot.planner.inplace import Assemble, Offer, Overwrite
from aot.planner.liveness import activation_buffers
from codegen_c.kernel import Kernel, KernelChoice
from codegen_c.registry import assemble_offer, candidates, default_choice, find, in_place_offer

PRIORITIES = ("balanced", "speed", "ram")
DEFAULT_PRIORITY = "balanced"


def offers(g: Graph) -> dict[int, Offer]:
    """{op index: Overwrite} for every op a feature-free kernel can run in place, {op index:
    Assemble} for every op whose inputs a feature-free kernel lets the planner place in its output."""
    out: dict[int, Offer] = {}
    for i, op in enumerate(g.ops):
        found = in_place_offer(op, g)
        if found is not None:
            kernel, k = found
            out[i] = Overwrite(k, kernel.scratch(op, g, {}), kernel.view)
        slices = assemble_offer(op, g)
        if slices:
            out[i] = Assemble(slices)
    return out


@dataclass
class Choice:
    """The kernel of every op of a compiled graph, and their scratch requests."""

    kernels: dict[int, KernelChoice] = field(default_factory=dict)
    scratch: dict[int, int] = field(default_factory=dict)


def _in_place_input(plan: Plan, i: int, g: Graph) -> int | None:
    return plan.overwritten_input(i, g.ops[i].inputs, g.ops[i].outputs[0] if g.ops[i].outputs else None)


def kernel_of(g: Graph, i: int, choice: KernelChoice, features=(), where: int | None = None) -> Kernel:
    """The declared kernel a choice names for op ``i`` running in place over input ``where``
    (None: not in place); its reference kernel if the choice does not apply there or would
    break that in-place promise."""
    return find(g.ops[i], g, choice.name, features, where) or candidates(g.ops[i], g, features, where)[0]


def choose(g: Graph, plan: Plan, features=(), wanted: dict[int, KernelChoice] | None = None) -> Choice:
    """Kernels for every op: ``wanted``'s where given (and valid), else the board default."""
    ch = Choice()
    for i, op in enumerate(g.ops):
        where = _in_place_input(plan, i, g)
        want = (wanted or {}).get(i) or default_choice(op, g, features, where)
        kernel = kernel_of(g, i, want, features, where)
        knobs = want.knobs if kernel.name == want.name and want.knobs in kernel.knobs(op, g) else ()
        ch.kernels[i] = KernelChoice(kernel.name, knobs)
        need = kernel.scratch(op, g, dict(knobs))
        if need:
            ch.scratch[i] = need
    return ch


def options(g: Graph, plan: Plan, i: int, features=()) -> list[KernelChoice]:
    """The kernels op ``i`` may use in ``plan`` on a core with ``features``, default knobs:
    what the tuner measures."""
    return [KernelChoice(k.name) for k in candidates(g.ops[i], g, features, _in_place_input(plan, i, g))]


def leaner(g: Graph, plan: Plan, i: int, choice: KernelChoice, features=()) -> list[KernelChoice]:
    """``choice`` then its kernel's leaner knob settings (less scratch, slower), leanest last;
    just ``choice`` when it already sets a knob."""
    if choice.knobs:
        return [choice]
    kernel = kernel_of(g, i, choice, features, _in_place_input(plan, i, g))
    return [choice] + [KernelChoice(kernel.name, k) for k in kernel.knobs(g.ops[i], g) if k]


def replan(g: Graph, plan: Plan, scratch: dict[int, int], try_exact: bool = False) -> Plan:
    """``plan`` again (same op order and in-place ops) with ``scratch`` {op: bytes} as the kernels'
    scratch buffers (``plan`` itself when they are the ones it has). The exact placement search
    runs only when asked: the policy calls this many times."""
    if scratch == plan.scratch():
        return plan
    return plan_memory(activation_buffers(g, scratch, plan.aliases, plan.deltas), plan.alignment, plan.largest_op_bytes,
                       try_exact=try_exact, aliases=plan.aliases, deltas=plan.deltas, in_place=plan.in_place,
                       order=plan.order, state=plan.state, state_bytes=plan.state_bytes)


def select(g: Graph, plan: Plan, features=(), tuning: dict[int, KernelChoice] | None = None,
           priority: str = DEFAULT_PRIORITY, preferred: dict[int, KernelChoice] | None = None) -> tuple[Choice, Plan]:
    """(Choice, plan with its scratch buffers) for ``plan``, the plan made for the offers.

    Ops in ``tuning`` (a tuning record) keep the record's kernel. The others start from
    ``preferred`` (else the board default), then ``priority`` applies (module docstring)."""
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    tuning = tuning or {}
    reference = choose(g, plan, (), {i: KernelChoice() for i in range(len(g.ops))})  # the reference kernels (the scratch the plan was made with), not the feature-free default
    want = choose(g, plan, features, {**(preferred or {}), **tuning})
    full = replan(g, plan, want.scratch, try_exact=True)
    if priority == "speed" or (priority == "balanced" and full.arena_bytes <= plan.arena_bytes):
        return want, full
    fixed = set(tuning)
    current = {i: (c if i in fixed else reference.kernels[i]) for i, c in want.kernels.items()}
    best_choice = choose(g, plan, features, current)
    best_plan = replan(g, plan, best_choice.scratch)
    bound = plan.arena_bytes if priority == "balanced" else min(plan.arena_bytes, best_plan.arena_bytes)
    movable = [i for i, c in want.kernels.items() if i not in fixed and c != reference.kernels[i]]
    movable.sort(key=lambda i: (-ops.get(g.ops[i].kind).macs(g.ops[i], g), i))
    for i in movable:
        for c in leaner(g, plan, i, want.kernels[i], features):
            trial = choose(g, plan, features, {**current, i: c})
            if trial.kernels[i] != c:
                continue
            tplan = replan(g, plan, trial.scratch)
            if tplan.arena_bytes <= bound:
                current[i], best_choice, best_plan = c, trial, tplan
                if priority == "ram":
                    bound = min(bound, tplan.arena_bytes)
                break
    # the search compares fast heuristic plans; the exact search can only shrink the winner
    return best_choice, replan(g, plan, best_choice.scratch, try_exact=True)
