"""What the graph passes may rely on about an operator kind, declared by each ``aot/ops/<kind>.py``
as ``TRAITS = OpTraits(...)``. Every field's default means "no such property": a pass treats an op
without it as opaque."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OpTraits:
    weight_channel_axis: int | None = None
    """The op has constant weights (inputs: x, weights, optional bias of one value per output
    channel) and this axis of the weights indexes the output's channels (its last axis): per-channel
    weight quantisation is along it, and a per-channel scale of the output folds into the weights
    along it."""

    asymmetric_weights: bool = False
    """The int8 kernel subtracts a per-tensor weight zero point: int8 weights need not be symmetric
    (the op's check says which non-zero zero points it accepts)."""

    fused_activation: bool = False
    """The op has ``attrs["activation"]`` (NONE, RELU, RELU6, RELU_N1_TO_1) and clamps its output by
    it, float and int8 alike (int8: the clamp range in the output's quantisation)."""

    elementwise: bool = False
    """One input and an output of its shape; each output element depends only on the input element
    at the same index (for quantize / dequantize: with per-tensor parameters). Any rearrangement of
    the elements commutes with the op."""

    broadcasting: bool = False
    """Two operands (inputs 0 and 1) combined element by element with NumPy broadcasting; the
    output has the broadcast shape."""

    commutes_with_quantization: bool = False
    """One input, and op(dequantize(q)) == dequantize(op(q)) (likewise for quantize) for per-tensor
    parameters and no fused activation: the op gives the same values on the stored integers as on
    the reals they stand for, so it runs on int8 as it is and the (de)quantize moves across it."""

    shared_quantization: bool = False
    """Between int8 tensors that share one per-tensor quantisation (every input and the output),
    the op runs unchanged on the stored integers (up to the float op's rounding); its int8 kernel
    needs that sharing."""

    rescales_int8_operands: bool = False
    """The int8 kernel brings each operand from its own per-tensor quantisation (a constant's too)
    to the output's: operands and output need not share one."""

    zero_padding: bool = False
    """``attrs["pad"]`` (top, left, bottom, right) pads input 0's H and W axes (NHWC) with real
    zeros (0.0; int8: the input's zero point): a PAD of H and W by a real zero before the op is
    the same as adding its widths to ``attrs["pad"]``."""

    rearranges_elements: bool = False
    """Data movement only, nothing lost: one input, and the output holds each of its elements
    exactly once in another shape or order (no value computed, dropped or added)."""

    updates: tuple[int, ...] = ()
    """Inputs that are variable tensors (persistent state, ``Tensor.variable``) the op overwrites
    in place with their new value (SVDF's activation state, an LSTM's output and cell state,
    ASSIGN_VARIABLE's variable). Its reference returns, after its outputs, each one's new value in
    this order. A pass keeps such an op even if nothing reads its outputs, never folds it, and
    keeps the order of the ops that use one state tensor (docs/architecture.md, "State")."""

    picked_inputs: Callable[[object], tuple[int, ...]] | None = None
    """``picked_inputs(op)``: the inputs whose elements the output holds unchanged, picked by
    position or by order (a gather's data, a max / min reduction's input, both operands of an
    elementwise max / min, a select's two values, every input of a concat); () when the op as
    configured computes values. Inputs dequantized alike, the op runs on their int8 values as
    they are (ops that ``commutes_with_quantization`` pick input 0 without saying it)."""
