"""Ops that write their output over an input, and the storage groups that follow.

The planner knows no operator: it is offered, per op, an ``Overwrite`` (which input's storage
the op's kernel may write its output over, the scratch bytes that kernel then needs, whether
the output simply *is* the input's bytes). The offers come from the kernels' declarations
(codegen_c/kernel.py: ``overwrites``, ``scratch``, ``view``; aot/driver/choose.py builds them);
each is a promise about the kernel's access order that its template keeps (and
tests/unit/test_inplace.py checks on the generated C). The planner may only use an offer when
that input's storage dies at the op.
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


def storage_groups(g: Graph, chosen: dict[int, Overwrite]) -> tuple[dict[str, str], dict[int, int], frozenset[int]]:
    """Merge each chosen op's output into its input's storage where that storage dies at the op.

    Returns (aliases tensor -> root tensor, scratch {op: bytes}, the ops that run in place)."""
    spans = lifetimes(g)
    root: dict[str, str] = {}
    last_use: dict[str, int] = {}  # per root: the last step any member is live

    def find(name: str) -> str:
        while name in root:
            name = root[name]
        return name

    for name, (_, last) in spans.items():
        last_use[name] = last
    done, scratch = set(), {}
    for i, op in enumerate(g.ops):
        if i not in chosen:
            continue
        src = find(op.inputs[chosen[i].input])
        out = op.outputs[0]
        if last_use[src] != i or src in g.outputs or out in root:
            continue
        root[out] = src
        last_use[src] = max(last_use[src], last_use[out])
        done.add(i)
        if chosen[i].scratch:
            scratch[i] = chosen[i].scratch
    aliases = {name: find(name) for name in spans if find(name) != name}
    return aliases, scratch, frozenset(done)
