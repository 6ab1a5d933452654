"""The graph IR every frontend produces and every later stage consumes.

Layout is NHWC for 4-D activations. Tensors are referred to by name; an op's
optional input that is absent is ``None``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

DTYPES = {
    "int8": np.int8,
    "uint8": np.uint8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "float32": np.float32,
    "bool": np.bool_,  # one byte, 0 or 1 (C: uint8_t)
}

# The most dims a graph input or output may have: its shape lives in the C descriptor
# (runtime_c/include/aot_model.h, AOT_MAX_DIMS).
MAX_IO_DIMS = 6

# Codes shared with the C runtime (runtime_c/include/aot_model.h, AOT_DTYPE_*).
DTYPE_CODES = {"float32": 0, "int8": 1, "uint8": 2, "int16": 3, "int32": 4, "int64": 5, "bool": 6}


def itemsize(dtype: str) -> int:
    return np.dtype(DTYPES[dtype]).itemsize


@dataclass
class Quant:
    """Affine quantisation: real = scale * (q - zero_point).

    ``scale`` and ``zero_point`` are 1-D arrays; length 1 means per-tensor,
    otherwise per-channel along ``axis``.
    """

    scale: np.ndarray
    zero_point: np.ndarray
    axis: int | None = None

    def __post_init__(self) -> None:
        self.scale = np.atleast_1d(np.asarray(self.scale, dtype=np.float32))
        self.zero_point = np.atleast_1d(np.asarray(self.zero_point, dtype=np.int64))

    @property
    def per_tensor(self) -> bool:
        return self.scale.size == 1

    @property
    def tensor_scale(self) -> float:
        """The per-tensor scale (float32 value as a Python float)."""
        assert self.per_tensor
        return float(self.scale[0])

    @property
    def tensor_zero_point(self) -> int:
        assert self.zero_point.size >= 1
        return int(self.zero_point[0])

    def to_json(self) -> dict[str, Any]:
        if self.per_tensor:
            return {"scale": float(self.scale[0]), "zero_point": int(self.zero_point[0])}
        return {"scale": [float(x) for x in self.scale], "zero_point": [int(x) for x in self.zero_point], "axis": self.axis}


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: Quant | None = None
    data: np.ndarray | None = None  # constant value, or None for activations
    # persistent state (a TFLite variable tensor): survives from one inference to the next in the
    # state area (docs/architecture.md, "State"); never a constant, never an op's output: only
    # the ops whose traits name it in ``updates`` write it, in place
    variable: bool = False
    init: np.ndarray | None = None  # a variable's value at start and after a reset (None: zeros)

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)
        if self.dtype not in DTYPES:
            raise ValueError(f"tensor {self.name!r}: unknown dtype {self.dtype!r}")

    @property
    def is_const(self) -> bool:
        return self.data is not None

    def initial_value(self) -> np.ndarray:
        """A variable's value at start and after a reset."""
        if self.init is not None:
            return np.asarray(self.init, dtype=self.np_dtype).reshape(self.shape)
        return np.zeros(self.shape, dtype=self.np_dtype)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        return self.size * itemsize(self.dtype)

    @property
    def np_dtype(self) -> np.dtype:
        return np.dtype(DTYPES[self.dtype])


@dataclass
class Op:
    kind: str  # canonical snake_case name, e.g. "conv2d"; one module in aot/ops/ per kind
    inputs: list[str | None]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    name: str = ""  # where it came from (e.g. "#3 CONV_2D"), for messages


@dataclass
class Graph:
    tensors: dict[str, Tensor]
    ops: list[Op]  # topologically ordered
    inputs: list[str]
    outputs: list[str]
    name: str = "model"
    # rewrites the passes made that are not proven equal to the imported model for every input
    # (aot/passes/qdq.py): a run reports its difference from the imported model's reference
    approximations: list[str] = field(default_factory=list)

    def tensor(self, name: str) -> Tensor:
        return self.tensors[name]

    def producers(self) -> dict[str, int]:
        return {out: i for i, op in enumerate(self.ops) for out in op.outputs}

    def consumers(self) -> dict[str, list[int]]:
        uses: dict[str, list[int]] = {}
        for i, op in enumerate(self.ops):
            for name in op.inputs:
                if name is not None:
                    uses.setdefault(name, []).append(i)
        return uses

    def activations(self) -> list[str]:
        """Non-constant, non-variable tensors that are used by the graph (what the arena holds),
        in first-appearance order."""
        seen: dict[str, None] = {}
        for name in self.inputs:
            seen[name] = None
        for op in self.ops:
            for name in [*op.inputs, *op.outputs]:
                if name is not None and not self.tensors[name].is_const and not self.tensors[name].variable:
                    seen[name] = None
        return list(seen)

    def state(self) -> list[str]:
        """The variable tensors the ops use (what the state area holds), in first-appearance order."""
        seen: dict[str, None] = {}
        for op in self.ops:
            for name in op.inputs:
                if name is not None and self.tensors[name].variable:
                    seen[name] = None
        return list(seen)

    def constants(self) -> list[str]:
        seen: dict[str, None] = {}
        for op in self.ops:
            for name in op.inputs:
                if name is not None and self.tensors[name].is_const:
                    seen[name] = None
        return list(seen)
