"""Operator registry: one module per operator kind, each with the same faces.

Every module ``aot/ops/<kind>.py`` defines:

- ``check(op, graph) -> list[str]``: reasons the op (as configured) is unsupported, [] if fine;
- ``reference(op, graph, inputs) -> list[np.ndarray]``: the NumPy golden model;
- ``macs(op, graph) -> int``: multiply-accumulates (0 for ops that have none);
- ``TRAITS``: an ``OpTraits`` (``aot/ops/traits.py``), what the graph passes may rely on about it.

Constants derived from quantisation (multipliers, shifts, clamp ranges) are computed by
functions in the same module so that the C lowering in ``codegen_c/ops/<kind>.py`` bakes
in exactly the numbers the reference uses.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from aot.ops.traits import OpTraits

KINDS = (
    "conv2d",
    "depthwise_conv2d",
    "fully_connected",
    "average_pool2d",
    "max_pool2d",
    "add",
    "reshape",
    "softmax",
    "quantize",
    "dequantize",
    "transpose",
    "slice",
    "concat",
    "pad",
    "unary",
    "binary",
    "add_n",
    "compare",
    "logical",
    "select",
    "reduce",
    "resize_nearest",
    "resize_bilinear",
    "batch_matmul",
    "transpose_conv2d",
    "l2_pool2d",
    "l2_normalization",
    "arg_minmax",
    "cumsum",
    "embedding_lookup",
    "prelu",
    "log_softmax",
    "gather",
    "gather_nd",
    "cast",
    "svdf",
    "read_variable",
    "assign_variable",
    "lstm",
)


def get(kind: str) -> ModuleType:
    if kind not in KINDS:
        raise KeyError(kind)
    return importlib.import_module(f"aot.ops.{kind}")


def traits(kind: str) -> OpTraits:
    """``kind``'s traits; a kind outside KINDS (a frontend's "unsupported" placeholder) has none."""
    return get(kind).TRAITS if kind in KINDS else OpTraits()


def updated_state(op) -> list[str]:
    """The variable tensors ``op`` overwrites in place (its kind's ``TRAITS.updates``)."""
    return [op.inputs[k] for k in traits(op.kind).updates if k < len(op.inputs) and op.inputs[k] is not None]
