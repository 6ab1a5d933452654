"""Ops that write their output over an input, or whose inputs may be produced straight into
their output, and the storage groups that follow.

The planner knows no operator: it is offered, per op, an ``Overwrite`` (which input's storage
the op's kernel may write its output over, the scratch bytes that kernel then needs, whether
the output simply *is* the input's bytes) or an ``Assemble`` (the output is its inputs' bytes
side by side: a concatenation). The offers come from the kernels' declarations
(codegen_c/kernel.py: ``overwrites``, ``scratch``, ``view``, ``slices``; aot/driver/choose.py
builds them); each is a promise about the kernel's access order that its template keeps (and
tests/unit/test_inplace.py checks on the generated C). The planner may only use an overwrite
when that input's storage dies at the op, and places an assembled input inside the output only
when nothing else writes it there (module ``storage_groups``).
"""
from __future__ import annotations

from dataclasses import dataclass

from aot.core.ir import Graph
from aot.planner.liveness import lifetimes


@dataclass(frozen=True)
class Overwrite:
    input: int  # which input's storage the output may take over
    scratch: int = 0  # arena bytes the in-place kernel needs while it runs
    view: bool = False  # the output is the input's bytes (a reshape): always worth sharing


@dataclass(frozen=True)
class Assemble:
    """The op's output is its inputs' bytes side by side: input k may live at byte ``slices[k]``
    of the output from the moment it is produced (None: it may not), its producer then writing
    straight into the output, and the kernel skips copying an input already in its place."""

    slices: tuple[int | None, ...]


Offer = Overwrite | Assemble


@dataclass
class Groups:
    """Storage shared between tensors: each alias lies ``deltas`` bytes (0 if absent) into its root."""

    aliases: dict[str, str]
    deltas: dict[str, int]
    scratch: dict[int, int]  # {op: bytes} of the in-place kernels' scratch
    in_place: frozenset[int]  # the ops whose output overwrites an input


def storage_groups(g: Graph, chosen: dict[int, Offer], alignment: int = 4) -> Groups:
    """Merge each chosen op's output into its input's storage where that storage dies at the op,
    and place each assembled op's inputs inside its output where nothing else writes them there:
    the input is an activation the graph neither takes nor gives, held in no other storage group,
    read once by the op, and its slice is ``alignment``-aligned. No op later writes in place over
    a group holding assembled inputs."""
    spans = lifetimes(g)
    root: dict[str, str] = {}
    deltas: dict[str, int] = {}
    closed: set[str] = set()  # roots holding assembled inputs
    last_use: dict[str, int] = {}  # per root: the last step any member is live

    def find(name: str) -> str:
        while name in root:
            name = root[name]
        return name

    for name, (_, last) in spans.items():
        last_use[name] = last
    done, scratch = set(), {}
    for i, op in enumerate(g.ops):
        offer = chosen.get(i)
        out = op.outputs[0] if op.outputs else None
        if isinstance(offer, Assemble):
            roots = set(root.values())
            for name, delta in zip(op.inputs, offer.slices):
                if (delta is None or delta % alignment or name is None or name not in spans or name in g.inputs
                        or name in g.outputs or name in root or name in roots or op.inputs.count(name) > 1 or out in root):
                    continue
                root[name], deltas[name] = out, delta
                last_use[out] = max(last_use[out], last_use[name])
                closed.add(out)
            continue
        if offer is None or op.inputs[offer.input] not in spans:  # not in the arena (a variable tensor)
            continue
        src = find(op.inputs[offer.input])
        if last_use[src] != i or src in g.outputs or out in root or src in closed:
            continue
        root[out] = src
        last_use[src] = max(last_use[src], last_use[out])
        done.add(i)
        if offer.scratch:
            scratch[i] = offer.scratch
    aliases = {name: find(name) for name in spans if find(name) != name}
    return Groups(aliases, deltas, scratch, frozenset(done))
