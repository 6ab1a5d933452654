"""Kernel choice: which declared kernel (codegen_c/kernel.py) generates each op, and the plan
that holds its scratch buffers. The policy reads the kernels' declarations and their cost model
(codegen_c/cost.py) as data and names no operator.

1. ``offers``: what every core can run in place (the kernels that need no CPU feature and
   declare ``overwrites``), handed to the planner as plain Overwrite records;
2. the planner makes the plan for those kernels (op order, in-place ops, placement): the
   reference plan;
3. ``select``: every op's options are its candidate kernels on the board (those that keep the
   reference plan's in-place promise) with each of their knob settings, each with its scratch
   bytes and its modelled instructions (measured ones from `microaot tune` where given; ops
   whose kernels have no coefficients for the CPU rank them in declared order, see
   ``op_options``). An op of the tuning record has one option: the record's.
   The choice minimises the modelled instructions subject to an arena budget B:

   - lower bound: the op order and in-place ops are those of the reference plan, so at op i
     the activations live in it (``live_bytes``) and op i's scratch are all live together and
     any plan's arena is >= live_i + scratch_i. Choosing every op's cheapest option with
     live_i + scratch_i <= B, independently, gives a lower bound L(B) on the modelled
     instructions of every choice whose arena fits B;
   - that choice is planned; if its arena is over B, the greedy backs off one op at a time to
     a leaner option, the smallest modelled loss per byte of scratch saved first (ops whose
     scratch reaches above B first), until it fits; then a pass puts back the faster
     options that still fit. The chosen cost C(B) is within C(B) / L(B) - 1 of the optimum
     (``Choice.gap``; `compile --json` reports it under "policy"); C(B) = L(B) (gap 0) when
     the first plan fits;
   - the budgets: "ram" = the smallest arena found for any choice (every op's leanest option),
     R; "balanced" (the default) = R + 5%, or the reference plan's arena (the portable
     kernels') or the board's free RAM if smaller (but at least R): the default never needs more
     RAM than the portable build;
     "speed" = the board's free RAM (no limit without one); ``max_arena`` (`--max-arena`): an
     explicit budget (PolicyError if below R). Every budget's greedy result is pooled, and each
     budget takes the cheapest pooled choice that fits it (ties: the smaller arena), so a larger
     budget is never modelled slower and never has a smaller arena.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from aot import ops
from aot.core.errors import AotError
from aot.core.ir import Graph
from aot.planner import Plan, plan_memory
from aot.planner.inplace import Assemble, Offer, Overwrite
from aot.planner.liveness import activation_buffers
from aot.planner.plan import SCRATCH
from codegen_c import cost
from codegen_c.kernel import Kernel, KernelChoice
from codegen_c.registry import (
    assemble_offer,
    candidates,
    default_choice,
    find,
    in_place_offer,
)

PRIORITIES = ("balanced", "speed", "ram")
DEFAULT_PRIORITY = "balanced"
BALANCED_SLACK = 0.05  # "balanced": up to 5% more arena than the smallest any choice reaches,
# and never more than the reference plan's (the portable kernels'): the default never costs RAM
LEANER_STEP = 0.05  # a knob setting without coefficients: 5% slower per step leaner than its kernel's default


class PolicyError(AotError):
    """No kernel choice fits the arena budget."""


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
    """The kernel of every op of a compiled graph, their scratch requests, and what the policy
    modelled: the budget, the chosen choice's instructions and the lower bound for the budget."""

    kernels: dict[int, KernelChoice] = field(default_factory=dict)
    scratch: dict[int, int] = field(default_factory=dict)
    priority: str = DEFAULT_PRIORITY
    budget: int | None = None
    modelled: float = 0.0
    bound: float = 0.0
    unmodelled: int = 0  # ops with a choice whose options rank by preference order (no cost model)

    @property
    def gap(self) -> float:
        """How far the modelled instructions may be above the best choice within the budget."""
        return self.modelled / self.bound - 1 if self.bound else 0.0

    def to_json(self) -> dict:
        return {"priority": self.priority, "budget_bytes": self.budget, "modelled_instructions": round(self.modelled),
                "lower_bound": round(self.bound), "gap": round(self.gap, 4), "unmodelled_ops": self.unmodelled}


@dataclass(frozen=True)
class Option:
    """One way to run an op: a kernel with knob settings, its scratch bytes, its modelled cost."""

    choice: KernelChoice
    scratch: int
    cost: float
    modelled: bool = True  # False: a preference-order stand-in (no cost model), not instructions
    flash: int = 0  # flash bytes over the kernel's default setting (Kernel.flash)


def in_place_input(plan: Plan, i: int, g: Graph) -> int | None:
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
        where = in_place_input(plan, i, g)
        want = (wanted or {}).get(i) or default_choice(op, g, features, where)
        kernel = kernel_of(g, i, want, features, where)
        knobs = want.knobs if kernel.name == want.name and want.knobs in kernel.knobs(op, g) else ()
        ch.kernels[i] = KernelChoice(kernel.name, knobs)
        need = kernel.scratch(op, g, dict(knobs))
        if need:
            ch.scratch[i] = need
    return ch


def options(g: Graph, plan: Plan, i: int, features=()) -> list[KernelChoice]:
    """Every kernel op ``i`` may use in ``plan`` on a core with ``features``, with each of its knob
    settings (reference kernel first, each kernel's default knobs before its leaner ones): what
    the policy models and the tuner measures."""
    op, where = g.ops[i], in_place_input(plan, i, g)
    return [KernelChoice(k.name, kn) for k in candidates(op, g, features, where) for kn in k.knobs(op, g)]


def op_options(g: Graph, plan: Plan, i: int, features=(), cpu: str = "",
               measured: dict[str, float] | None = None) -> list[Option]:
    """``options`` with their scratch and cost: ``measured`` {key: instructions} where given, else
    the CPU's cost model; a knob setting without either costs its kernel's default
    (1 + LEANER_STEP * its place in the knob list); if a kernel's default has no cost either,
    the op's options rank in declared order: the most preferred kernel (declared last) costs
    its work (MACs or outputs), each kernel declared before it one work more."""
    op, where = g.ops[i], in_place_input(plan, i, g)
    kernels = candidates(op, g, features, where)
    rows = []  # (kernel index, knob index, choice, scratch, cost or None)
    for k, kernel in enumerate(kernels):
        for j, kn in enumerate(kernel.knobs(op, g)):
            c = KernelChoice(kernel.name, kn)
            known = (measured or {}).get(c.key)
            if known is None:
                known = cost.modelled(cpu, op, g, kernel, c)
            rows.append((k, j, c, kernel.scratch(op, g, dict(kn)), known, kernel.flash(op, g, dict(kn))))
    default = {k: v for k, j, _, _, v, _ in rows if j == 0}
    if any(v is None for v in default.values()):
        work = max(ops.get(op.kind).macs(op, g), sum(g.tensor(n).size for n in op.outputs if n), 1)
        return [Option(c, s, work * (len(kernels) - k + LEANER_STEP * j), False, f) for k, j, c, s, _, f in rows]
    return [Option(c, s, v if v is not None else default[k] * (1 + LEANER_STEP * j), True, f)
            for k, j, c, s, v, f in rows]


def knob_settings(g: Graph, plan: Plan, i: int, choice: KernelChoice, features=()) -> list[KernelChoice]:
    """``choice`` then its kernel's other knob settings in its kernel's order: leaner ones (less
    scratch, slower) and ones that spend flash for speed (``Kernel.flash``); just ``choice`` when
    it already sets a knob. The variant tests build every setting this lists."""
    if choice.knobs:
        return [choice]
    kernel = kernel_of(g, i, choice, features, in_place_input(plan, i, g))
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


def live_bytes(plan: Plan, n_ops: int) -> list[int]:
    """Bytes of activations live at each op step of ``plan`` (its scratch buffers left out)."""
    acts = [b for b in plan.buffers if not b.name.startswith(SCRATCH)]
    return [sum(b.bytes_at(i) for b in acts if b.first <= i <= b.last) for i in range(n_ops)]


Pick = dict[int, Option]


def _scratch(pick: Pick) -> dict[int, int]:
    return {i: o.scratch for i, o in pick.items() if o.scratch}


def _cost(pick: Pick) -> float:
    return sum(o.cost for o in pick.values())


class _Search:
    """Plans of choices, remembered by their scratch buffers (the greedy revisits them)."""

    def __init__(self, g: Graph, plan: Plan, opts: dict[int, list[Option]]):
        self.g, self.plan, self.opts = g, plan, opts
        self.live = live_bytes(plan, len(g.ops))
        self.plans: dict[tuple, Plan] = {}
        self.found: dict[tuple, tuple[float, int, Pick]] = {}  # scratch -> the cheapest choice planned: (cost, arena, pick)

    def arena(self, pick: Pick) -> Plan:
        key = tuple(sorted(_scratch(pick).items()))
        if key not in self.plans:
            self.plans[key] = replan(self.g, self.plan, dict(key))
        if key not in self.found or _cost(pick) < self.found[key][0]:
            self.found[key] = (_cost(pick), self.plans[key].arena_bytes, dict(pick))
        return self.plans[key]

    def leanest(self) -> Pick:
        return {i: min(o, key=lambda x: (x.scratch, x.cost)) for i, o in self.opts.items()}

    def bound(self, budget: int) -> Pick:
        """Every op's cheapest option whose scratch fits beside its live bytes: the lower bound."""
        return {i: min((x for x in o if self.live[i] + x.scratch <= budget), default=min(o, key=lambda x: x.scratch),
                       key=lambda x: (x.cost, x.scratch)) for i, o in self.opts.items()}

    def fit(self, budget: int) -> tuple[Pick, float]:
        """(a choice whose plan fits ``budget``, the lower bound L(budget)); the budget is at
        least the leanest choice's arena."""
        pick = self.bound(budget)
        low = _cost(pick)
        p = self.arena(pick)
        while p.arena_bytes > budget:
            above = {i for i, o in pick.items() if o.scratch and p.offsets.get(f"{SCRATCH}{i}", 0) + o.scratch > budget}
            moves = [((o.cost - cur.cost) / (cur.scratch - o.scratch), o.scratch - cur.scratch, i, o)
                     for i, cur in pick.items() if not above or i in above for o in self.opts[i] if o.scratch < cur.scratch]
            if not moves:
                pick = self.leanest()
                break
            *_, i, o = min(moves, key=lambda m: m[:3])
            pick[i] = o
            p = self.arena(pick)
        faster = sorted(((pick[i].cost - o.cost, i, o) for i, o in self.bound(budget).items() if o.cost < pick[i].cost),
                        key=lambda m: (-m[0], m[1]))
        for _, i, o in faster:  # put back what the greedy took away where it still fits
            trial = {**pick, i: o}
            if self.arena(trial).arena_bytes <= budget:
                pick = trial
        return pick, low


def select(g: Graph, plan: Plan, features=(), tuning: dict[int, KernelChoice] | None = None,
           priority: str = DEFAULT_PRIORITY, *, cpu: str = "", free_ram: int | None = None,
           max_arena: int | None = None, measured: dict[int, dict[str, float]] | None = None,
           free_flash: int | None = None) -> tuple[Choice, Plan]:
    """(Choice, plan with its scratch buffers) for ``plan``, the plan made for the offers.

    Ops in ``tuning`` (a tuning record) keep the record's kernel; the others get the option the
    budget of ``priority`` (or ``max_arena``) allows (module docstring). ``cpu``: whose cost
    model (codegen_c/cost.py); ``free_ram``: the board's RAM for the arena (None: no limit);
    ``measured``: {op: {kernel key: instructions}} measured costs, used before the model;
    ``free_flash``: the board's flash left beside the model's constants and its code (None: no
    limit). Options that add flash (Kernel.flash) are kept only for "speed" and only when all of
    them together fit ``free_flash``: the other budgets never trade flash for speed."""
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    tuning = tuning or {}
    fixed = choose(g, plan, features, tuning).kernels if tuning else {}
    opts = {}
    for i in range(len(g.ops)):
        every = op_options(g, plan, i, features, cpu, (measured or {}).get(i))
        opts[i] = [o for o in every if o.choice == fixed[i]] or every[:1] if i in tuning else every
    extra = sum(max((o.flash for o in o_i), default=0) for o_i in opts.values())
    if extra and (priority != "speed" or max_arena is not None or (free_flash is not None and extra > free_flash)):
        opts = {i: [o for o in o_i if not o.flash] or o_i[:1] for i, o_i in opts.items()}
    search = _Search(g, plan, opts)
    smallest = search.arena(search.leanest()).arena_bytes
    room = math.inf if free_ram is None else max(free_ram, smallest)
    balanced = min(int(smallest * (1 + BALANCED_SLACK)), max(plan.arena_bytes, smallest), room)
    budgets = {"ram": smallest, "balanced": max(balanced, smallest),
               "speed": room}
    if max_arena is not None and max_arena < smallest:
        raise PolicyError(f"no kernel choice fits an arena of {max_arena:,} bytes: the smallest any choice "
                          f"reaches is {smallest:,} bytes")
    budget = max_arena if max_arena is not None else budgets[priority]
    bounds = {b: search.fit(b)[1] for b in sorted({*budgets.values(), budget})}  # pools every greedy result
    best = min(((c, a, pick) for c, a, pick in search.found.values() if a <= budget), key=lambda f: (f[0], f[1]))
    pick = best[2]
    ch = choose(g, plan, features, {i: o.choice for i, o in pick.items()})
    ch.priority, ch.budget = priority, None if budget == math.inf else int(budget)
    ch.modelled, ch.bound = _cost(pick), bounds[budget]
    ch.unmodelled = sum(1 for o in opts.values() if len(o) > 1 and not o[0].modelled)
    # the search compares fast heuristic plans; the exact search can only shrink the winner
    return ch, replan(g, plan, ch.scratch, try_exact=True)
