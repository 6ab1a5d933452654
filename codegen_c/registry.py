"""Questions about the declared kernels (codegen_c/kernel.py), asked the same way of every op."""
from __future__ import annotations

from aot.core.ir import Graph, Op
from codegen_c import ops as c_ops
from codegen_c.kernel import Kernel, KernelChoice


def declared(kind: str) -> tuple[Kernel, ...]:
    """The kernels ``codegen_c/ops/<kind>.py`` declares, in order of preference."""
    return tuple(c_ops.get(kind).KERNELS)


def candidates(op: Op, g: Graph, features=(), in_place: int | None = None) -> list[Kernel]:
    """The kernels that may generate ``op`` on a core with ``features``: those that apply, and
    that keep the plan's promise (``in_place``: the input the op's output overwrites, or None)."""
    return [k for k in declared(op.kind) if k.features <= set(features) and k.applies(op, g) and _keeps(k, op, g, in_place)]


def _keeps(k: Kernel, op: Op, g: Graph, in_place: int | None) -> bool:
    """Does ``k`` run ``op`` as the plan says: not in place, or over input ``in_place``?"""
    return not k.in_place_only if in_place is None else in_place in k.overwrites(op, g)


def resolve(op: Op, g: Graph, choice: KernelChoice, in_place: int | None = None) -> Kernel:
    """The declared kernel a (validated) choice names, in the form the plan runs the op."""
    return next(k for k in declared(op.kind) if k.name == choice.name and _keeps(k, op, g, in_place))


def find(op: Op, g: Graph, name: str, features=(), in_place: int | None = None) -> Kernel | None:
    return next((k for k in candidates(op, g, features, in_place) if k.name == name), None)


def default_choice(op: Op, g: Graph, features=(), in_place: int | None = None) -> KernelChoice:
    """Without measurements: the most preferred candidate (declared last), default knobs."""
    return KernelChoice(candidates(op, g, features, in_place)[-1].name)


def in_place_offer(op: Op, g: Graph) -> tuple[Kernel, int] | None:
    """The first kernel every core has (no features) that can write ``op``'s output over a
    non-constant input, and that input: what the planner may use before any choice."""
    for k in declared(op.kind):
        if k.features or not k.applies(op, g):
            continue
        for i in k.overwrites(op, g):
            name = op.inputs[i] if i < len(op.inputs) else None
            if name is not None and not g.tensor(name).is_const:
                return k, i
    return None


def assemble_offer(op: Op, g: Graph) -> tuple[int | None, ...]:
    """Where the first feature-free kernel that applies lets the planner place ``op``'s inputs in
    its output (its ``slices``; () when none does)."""
    for k in declared(op.kind):
        if not k.features and k.applies(op, g) and k.slices(op, g):
            return k.slices(op, g)
    return ()
