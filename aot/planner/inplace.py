"""Which ops may write their output over an input, and the storage groups that follow.

RULES lists, per op kind, the inputs its C kernel reads before it overwrites them, and the
scratch bytes it then needs. Each rule is a promise about the kernel's access order that its
template keeps (and tests/unit/test_inplace.py checks on the generated C):

- reshape: the same bytes (the kernel does nothing when the storage is shared);
- add (same shapes), softmax: element i (row r) is read before element i (row r) is written;
- conv2d 1x1, stride 1, no padding, one group: pixel p is read into registers before output
  pixel p is written, walking forward when outputs are narrower, backward when wider
  (templates/ops/conv2d_inplace.c.j2);
- depthwise_conv2d with depth multiplier 1: one channel plane at a time is copied to a
  scratch of H*W elements, then that channel's outputs are written
  (templates/ops/depthwise_conv2d_inplace.c.j2).

The planner may only use a rule when that input's storage dies at the op.
"""
from __future__ import annotations

from aot.core.ir import Graph, Op


def _pointwise(op: Op, g: Graph) -> bool:
    x, w = g.tensor(op.inputs[0]), g.tensor(op.inputs[1])
    return (w.shape[1:3] == (1, 1) and tuple(op.attrs["stride"]) == (1, 1) and not any(op.attrs["pad"])
            and w.shape[3] == x.shape[3])


def _same_shape_add(op: Op, g: Graph) -> list[int]:
    y = g.tensor(op.outputs[0])
    return [k for k in (0, 1) if g.tensor(op.inputs[k]).shape == y.shape and g.tensor(op.inputs[k]).dtype == y.dtype]


RULES = {
    "reshape": (lambda op, g: [0], None),
    "add": (_same_shape_add, None),
    "softmax": (lambda op, g: [0], None),
    "conv2d": (lambda op, g: [0] if _pointwise(op, g) else [], None),
    "depthwise_conv2d": (
        lambda op, g: [0] if op.attrs["depth_multiplier"] == 1 else [],
        lambda op, g: g.tensor(op.inputs[0]).shape[1] * g.tensor(op.inputs[0]).shape[2] * g.tensor(op.inputs[0]).np_dtype.itemsize,
    ),
}


def scratch_bytes(op: Op, g: Graph) -> int:
    rule = RULES.get(op.kind)
    return rule[1](op, g) if rule and rule[1] else 0


def candidates(g: Graph) -> dict[int, int]:
    """{op index: input index} for every op that could run in place in this graph."""
    found = {}
    for i, op in enumerate(g.ops):
        rule = RULES.get(op.kind)
        if rule is None:
            continue
        for k in rule[0](op, g):
            name = op.inputs[k]
            if name is not None and not g.tensor(name).is_const:
                found[i] = k
                break
    return found


def storage_groups(g: Graph, chosen: dict[int, int]) -> tuple[dict[str, str], dict[int, int], frozenset[int]]:
    """Merge each chosen op's output into its input's storage where that storage dies at the op.

    Returns (aliases tensor -> root tensor, scratch {op: bytes}, the ops that run in place)."""
    from aot.planner.liveness import lifetimes

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
        src = find(op.inputs[chosen[i]])
        out = op.outputs[0]
        if last_use[src] != i or src in g.outputs or out in root:
            continue
        root[out] = src
        last_use[src] = max(last_use[src], last_use[out])
        done.add(i)
        need = scratch_bytes(op, g)
        if need:
            scratch[i] = need
    aliases = {name: find(name) for name in spans if find(name) != name}
    return aliases, scratch, frozenset(done)
