"""What every TFLite operator converter shares.

Each family module's ``CONVERTERS`` maps a builtin operator name to ``(converter, dtypes)``: the
activation dtypes the converter and the kernels behind it take (``microaot ops`` lists them, and
tests/ops/test_tflite_coverage.py checks each against a single-op generator). A converter is ``convert(r: Reader, op, ins) -> (kind, attrs, inputs)``: ``op`` is the flatbuffer
operator, ``ins`` its input tensor names (None for an absent optional input). A converter that
needs several IR ops returns instead a list of ``(kind, attrs, inputs, outputs)``, in execution
order, whose outputs cover the operator's (``r.outs(op)``) and any intermediate tensors it made
with ``r.temp``; an operator computed at compile time returns what ``r.fold`` returns (its output
made a constant: no op, or a copy from a constant for a graph output). It raises
``Unsupported`` with one reason when the operator, as configured, cannot be compiled (``inspect``
lists it). ``Reader`` is what converters may ask of the model being read
(implemented by ``aot.frontends.tflite._Reader``).
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from aot.core.ir import Tensor

INT8, FLOAT = ("int8",), ("float32",)
BOTH = INT8 + FLOAT
INT16 = ("int16",)  # TFLite's 16x8 mode: int16 activations (zero point 0), int8 weights

ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}


class Unsupported(Exception):
    """One reason an operator cannot be compiled."""


class Reader(Protocol):
    shapes: dict[str, tuple[int, ...]]  # every tensor's shape, by name
    tensors: dict[str, Tensor]  # the tensors of supported types, by name
    names: list[str]  # tensor names by flatbuffer index
    resources: dict[str, str]  # VAR_HANDLE's resource tensors -> the variable tensors they name

    def init_values(self, subgraph: int) -> dict[str, np.ndarray]:
        """What CALL_ONCE's initialisation subgraph assigns: {variable tensor: value}; Unsupported
        unless it only takes VAR_HANDLEs and ASSIGN_VARIABLEs of constants."""

    def options(self, op, cls):
        """The operator's builtin options as ``cls`` (defaults if it has none)."""

    def const(self, ins, i: int, what: str) -> np.ndarray:
        """The data of constant operand ``i``; Unsupported naming ``what`` if absent or not constant."""

    def outs(self, op) -> list[str]:
        """The operator's output tensor names."""

    def temp(self, like: str, shape) -> str:
        """A new intermediate activation tensor of ``shape``, with ``like``'s dtype and quantisation."""

    def fold(self, name: str, value: np.ndarray) -> list:
        """Output ``name`` holds ``value`` (cast to its dtype), computed at compile time: the
        (kind, attrs, inputs, outputs) ops that takes (none unless it is a graph output)."""

    def rank(self, ins) -> int:
        """The rank of the first input."""

    def activation(self, opts) -> str:
        """The fused activation of ``opts`` (NONE, RELU, RELU6, RELU_N1_TO_1), else Unsupported."""

    def window(self, opts, ins, kernel, dilation) -> dict:
        """stride, dilation, explicit pad (top, left, bottom, right) and out_hw of a 2-D window op."""


def plain(kind: str):
    """A converter onto ``kind`` with no attributes and the first input only."""
    return lambda r, op, ins: (kind, {}, ins[:1])



def same_quantization(r: Reader, names, opname: str) -> None:
    """Refuse int8 operands quantised differently: the op copies the stored bytes, like tflite-micro."""
    quants = {None if t is None or t.quant is None else str(t.quant.to_json())
              for t in (r.tensors.get(n) for n in names if n is not None)}
    if len(quants) > 1:
        raise Unsupported(f"inputs and outputs of {opname} are quantised differently (requantising is not supported)")
