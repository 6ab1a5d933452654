"""Operators whose state persists from one inference to the next (variable tensors,
docs/architecture.md "State"): SVDF, and TFLite's resource variables (VAR_HANDLE, READ_VARIABLE,
ASSIGN_VARIABLE, CALL_ONCE for their initial values)."""
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


def _variable(r: Reader, handle: str | None) -> str:
    name = r.resources.get(handle) if handle is not None else None
    if name is None:
        raise Unsupported("the resource is not a VAR_HANDLE of this subgraph whose value is read or assigned")
    return name


def _var_handle(r: Reader, op, ins):
    return []  # the variable tensor stands for it (Reader.resources)


def _read_variable(r: Reader, op, ins):
    return "read_variable", {}, [_variable(r, ins[0] if ins else None)]


def _assign_variable(r: Reader, op, ins):
    if len(ins) != 2 or ins[1] is None:
        raise Unsupported("ASSIGN_VARIABLE takes a resource and a value")
    return "assign_variable", {}, [_variable(r, ins[0]), ins[1]]


def _call_once(r: Reader, op, ins):
    """Its initialisation becomes the variables' initial values (``Tensor.init``): what the state
    area holds at start and after a reset (TFLM's reset zeroes resource variables and does not
    run CALL_ONCE again; microaot's reset gives a fresh start)."""
    for name, value in r.init_values(r.options(op, tflite.CallOnceOptions).InitSubgraphIndex()).items():
        r.tensors[name].init = value
    return []


CONVERTERS = {
    "SVDF": (_svdf, BOTH),
    "VAR_HANDLE": (_var_handle, BOTH),
    "READ_VARIABLE": (_read_variable, BOTH),
    "ASSIGN_VARIABLE": (_assign_variable, BOTH),
    "CALL_ONCE": (_call_once, BOTH),
}
