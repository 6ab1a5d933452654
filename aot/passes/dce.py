"""Dead code elimination: drop ops none of whose outputs is used and that update no state
(a variable tensor, ``OpTraits.updates``), and unreferenced tensors."""
from __future__ import annotations

from aot import ops
from aot.core.ir import Graph


def dce(g: Graph) -> Graph:
    live = set(g.outputs)
    kept = []
    for op in reversed(g.ops):
        if any(o in live for o in op.outputs) or ops.updated_state(op):
            kept.append(op)
            live.update(n for n in op.inputs if n is not None)
    g.ops = list(reversed(kept))
    used = live | set(g.inputs) | {o for op in g.ops for o in op.outputs}
    g.tensors = {k: v for k, v in g.tensors.items() if k in used}
    return g
