"""Run a Graph with the NumPy reference of every operator: the golden model."""
from __future__ import annotations

import numpy as np

from aot import ops
from aot.core.errors import AotError
from aot.core.ir import Graph


def check_inputs(g: Graph, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Inputs by name, each of the declared shape and dtype."""
    checked = {}
    for name in g.inputs:
        t = g.tensor(name)
        if name not in inputs:
            raise AotError(f"missing input {name!r} (expected {t.dtype}{list(t.shape)})")
        a = np.asarray(inputs[name])
        if a.dtype != t.np_dtype or a.size != t.size:
            raise AotError(f"input {name!r}: got {a.dtype}{list(a.shape)}, expected {t.dtype}{list(t.shape)}")
        checked[name] = a.reshape(t.shape)
    return checked


def initial_state(g: Graph) -> dict[str, np.ndarray]:
    """Every variable tensor's value at start and after a reset (the C ``<prefix>_reset``)."""
    return {name: g.tensor(name).initial_value() for name in g.state()}


def run_graph(g: Graph, inputs: dict[str, np.ndarray], keep_all: bool = False,
              state: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Evaluate the graph; returns the graph outputs by name (every tensor if keep_all).
    ``state`` {variable tensor: value} (``initial_state``) is read and updated in place, as the C
    keeps its state area from one run to the next; None: a fresh initial state, used once."""
    state = initial_state(g) if state is None else state
    values: dict[str, np.ndarray] = {**check_inputs(g, inputs), **state}
    for op in g.ops:
        args = [None if n is None else (g.tensor(n).data if g.tensor(n).is_const else values[n]) for n in op.inputs]
        results = ops.get(op.kind).reference(op, g, args)
        updated = ops.updated_state(op)
        assert len(results) == len(op.outputs) + len(updated), (op.name, len(results))
        for name, value in zip([*op.outputs, *updated], results):
            t = g.tensor(name)
            assert value.dtype == t.np_dtype and value.size == t.size, (op.name, name, value.dtype, value.shape, t.shape)
            values[name] = value.reshape(t.shape)
    state.update({name: values[name] for name in state})
    if keep_all:
        return values
    return {name: values[name] for name in g.outputs}


def random_inputs(g: Graph, seed: int = 0) -> dict[str, np.ndarray]:
    """Inputs drawn as in the models README: integers uniform over the full range, floats in [-1, 1)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name in g.inputs:
        t = g.tensor(name)
        if t.dtype == "float32":
            out[name] = rng.uniform(-1, 1, size=t.shape).astype(np.float32)
        elif t.dtype == "bool":
            out[name] = rng.integers(0, 2, size=t.shape).astype(bool)
        else:
            info = np.iinfo(t.np_dtype)
            out[name] = rng.integers(info.min, info.max, size=t.shape, endpoint=True, dtype=t.np_dtype)
    return out
