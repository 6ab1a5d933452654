"""Sequence operators, whose state persists from one inference to the next (a variable tensor,
docs/architecture.md "State"): SVDF."""
from __future__ import annotations

import tflite

from aot.frontends.tflite_ops.common import BOTH, Reader, Unsupported


def _svdf(r: Reader, op, ins):
    o = r.options(op, tflite.SVDFOptions)
    if len(ins) != 5 or ins[4] is None:
        raise Unsupported("SVDF takes 5 inputs, the last its activation state")
    state = r.tensors.get(ins[4])
    if state is None or not state.variable:
        raise Unsupported("the activation state (input 4) must be a variable tensor")
    if r.tensors.get(ins[0]) is not None and r.tensors[ins[0]].dtype == "float32":
        activation = r.activation(o)
    else:
        activation = "NONE"  # TFLM's int8 kernel applies no activation
    return "svdf", {"rank": int(o.Rank()), "activation": activation}, ins


CONVERTERS = {
    "SVDF": (_svdf, BOTH),
}
