"""What the pass tests share: a graph's ops as comparable values, a pass run on a copy, and the
NumPy reference's outputs before and after on several random inputs."""
from __future__ import annotations

import copy

import numpy as np

from aot.core.ir import Graph, Op, Tensor
from aot.driver.reference import random_inputs, run_graph

SEEDS = range(4)


def ops_of(g: Graph) -> list[tuple]:
    """Every op as (kind, inputs, outputs, attrs): equal lists mean the same ops, same order."""
    return [(op.kind, list(op.inputs), list(op.outputs), dict(op.attrs)) for op in g.ops]


def kinds(g: Graph) -> list[str]:
    return [op.kind for op in g.ops]


def run_pass(fn, g: Graph, **kw) -> Graph:
    """``fn`` on a copy of ``g`` (passes edit in place): ``g`` stays as it was."""
    return fn(copy.deepcopy(g), **kw)


def graph(tensors: list[Tensor], ops: list[Op], inputs: list[str], outputs: list[str]) -> Graph:
    return Graph({t.name: t for t in tensors}, ops, inputs, outputs)


def outputs_on(g: Graph, seed: int, feeds: dict | None = None) -> dict[str, np.ndarray]:
    return run_graph(g, feeds if feeds is not None else random_inputs(g, seed))


def assert_bit_exact(before: Graph, after: Graph, seeds=SEEDS) -> None:
    """Same output names, dtypes, shapes and bits on every seed's random inputs."""
    assert after.inputs == before.inputs and after.outputs == before.outputs
    for s in seeds:
        x = random_inputs(before, s)
        want, got = run_graph(before, x), run_graph(after, x)
        for name in before.outputs:
            assert got[name].dtype == want[name].dtype and got[name].shape == want[name].shape, name
            np.testing.assert_array_equal(got[name], want[name], err_msg=f"{name}, seed {s}")


def assert_unchanged(fn, g: Graph, **kw) -> Graph:
    """The pass leaves ``g`` as it is: the same ops (kinds, tensors, attrs) and the same tensors."""
    h = run_pass(fn, g, **kw)
    assert ops_of(h) == ops_of(g)
    assert sorted(h.tensors) == sorted(g.tensors)
    for name, t in g.tensors.items():
        u = h.tensor(name)
        assert (u.shape, u.dtype, u.is_const) == (t.shape, t.dtype, t.is_const), name
        if t.is_const:
            np.testing.assert_array_equal(u.data, t.data)
    return h


def assert_idempotent(fn, g: Graph, **kw) -> None:
    """Running the pass again on its own result changes nothing."""
    once = run_pass(fn, g, **kw)
    assert_unchanged(fn, once, **kw)
