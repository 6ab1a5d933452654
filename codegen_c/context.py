"""State shared while lowering one model: tensor pointers, the weights table, names."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aot.core.ir import Graph, Tensor
from aot.planner import Plan
from codegen_c.cfmt import c_ident, c_values, ctype


@dataclass
class ConstArray:
    ident: str
    ctype: str
    values: str
    count: int
    nbytes: int


@dataclass
class LoweringContext:
    graph: Graph
    plan: Plan
    consts: dict[str, ConstArray] = field(default_factory=dict)
    state: str = "state"  # the C name of the pointer to the state area model.c keeps

    def ptr(self, name: str, *, writable: bool = False) -> str:
        """C expression of a pointer to a tensor: into the arena, into the state area (a variable
        tensor), or to its weights array."""
        t = self.graph.tensor(name)
        if t.is_const:
            return self.weight(name)
        qual = "" if writable else "const "
        base = self.state if t.variable else "arena"
        offset = self.plan.offset(name)
        return f"(({qual}{ctype(t.dtype)} *)({base} + {offset}))" if offset else f"(({qual}{ctype(t.dtype)} *){base})"

    def weight(self, name: str, values: np.ndarray | None = None, dtype: str | None = None) -> str:
        """Register a constant array (a tensor's data, or derived values) and return its C name."""
        if name not in self.consts:
            t: Tensor | None = self.graph.tensors.get(name)
            data = values if values is not None else t.data
            dt = dtype or t.dtype
            ident = f"w{len(self.consts)}_{c_ident(name)}"
            count = int(np.asarray(data).size)
            self.consts[name] = ConstArray(ident, ctype(dt), c_values(data, dt), count, count * np.dtype(dt).itemsize)
        return self.consts[name].ident

    def derived(self, op_index: int, what: str, values, dtype: str) -> str:
        """A constant array computed at compile time for one op (e.g. per-channel multipliers)."""
        return self.weight(f"op{op_index}.{what}", np.asarray(values), dtype)


def shape4(t: Tensor) -> tuple[int, int, int, int]:
    """NHWC dims of a tensor of rank <= 4, padded on the left with ones."""
    s = (1,) * (4 - len(t.shape)) + tuple(t.shape)
    return s  # type: ignore[return-value]

