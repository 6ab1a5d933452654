"""LOGICAL_AND, LOGICAL_OR (two bool inputs with NumPy broadcasting) and LOGICAL_NOT (one):
attrs fn (one of FUNCTIONS); bool stored as one byte, 0 or 1."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops.binary import shapes_problem
from aot.ops.traits import OpTraits

TRAITS = OpTraits()

FUNCTIONS = {"and": np.logical_and, "or": np.logical_or, "not": np.logical_not}


def check(op: Op, g: Graph) -> list[str]:
    fn = op.attrs.get("fn")
    if fn not in FUNCTIONS:
        return [f"logical function {fn!r} is not supported"]
    xs, y = [g.tensor(n) for n in op.inputs], g.tensor(op.outputs[0])
    if len(xs) != (1 if fn == "not" else 2):
        return [f"logical {fn} takes {1 if fn == 'not' else 2} inputs, not {len(xs)}"]
    if any(t.dtype != "bool" for t in (*xs, y)):
        return [f"logical {fn} of {', '.join(x.dtype for x in xs)} -> {y.dtype} is not supported (bool only)"]
    if fn == "not":
        return [] if xs[0].shape == y.shape else [f"logical not: shapes {list(xs[0].shape)} and {list(y.shape)} differ"]
    return shapes_problem(*xs, y)


def macs(op: Op, g: Graph) -> int:
    return 0


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return [FUNCTIONS[op.attrs["fn"]](*inputs)]
