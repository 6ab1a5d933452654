"""TFLite UNIDIRECTIONAL_SEQUENCE_LSTM converter: the standard LSTM tflite-micro runs (four gates;
no CIFG, peephole, projection or layer norm, which its kernel refuses)."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import BOTH, Reader, Unsupported

# TFLite's input order (lstm_shared.h): 0 input, 1-4 input weights (input, forget, cell, output
# gates), 5-8 recurrent weights, 9-11 peephole weights, 12-15 gate biases, 16-17 projection,
# 18 output state, 19 cell state, 20-23 layer norm coefficients.
_USED = (0, *range(1, 9), *range(12, 16), 18, 19)
_VARIANTS = {"peephole": range(9, 12), "projection": range(16, 18), "layer norm": range(20, 24)}
_TANH = 4


def _unidirectional_sequence_lstm(r: Reader, op, ins):
    o = r.options(op, tflite.UnidirectionalSequenceLSTMOptions)
    ins = list(ins) + [None] * (24 - len(ins))
    if any(ins[i] is None for i in _USED):
        missing = [i for i in _USED if ins[i] is None]
        raise Unsupported(f"inputs {missing} are absent (CIFG, without an input gate, is not supported by tflite-micro)")
    for variant, indices in _VARIANTS.items():
        if any(ins[i] is not None for i in indices):
            raise Unsupported(f"the {variant} LSTM variant is not supported (tflite-micro runs the standard LSTM only)")
    if o.FusedActivationFunction() != _TANH:
        raise Unsupported("the cell gate activation must be TANH")
    if o.AsymmetricQuantizeInputs() or o.DiagonalRecurrentTensors():
        raise Unsupported("hybrid (asymmetric_quantize_inputs) and diagonal recurrent LSTMs are not supported")
    x = r.shapes[ins[0]]
    if len(x) != 3:
        raise Unsupported(f"the input must be 3-D (time, batch, features), got {list(x)}")
    for i in range(1, 9):
        r.const(ins, i, "gate weights")
    for i in range(12, 16):
        r.const(ins, i, "gate bias")
    for i, what in ((18, "output state"), (19, "cell state")):
        t = r.tensors.get(ins[i])
        if t is None or not t.variable:
            raise Unsupported(f"the {what} {ins[i]!r} must be a variable tensor (state kept across inferences)")
    attrs = {"time_major": bool(o.TimeMajor()), "cell_clip": float(o.CellClip())}
    return "lstm", attrs, [ins[i] for i in _USED]


CONVERTERS = {"UNIDIRECTIONAL_SEQUENCE_LSTM": (_unidirectional_sequence_lstm, BOTH)}
