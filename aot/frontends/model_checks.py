"""The model's own consistency, before any op looks at it: what a frontend can read from a file
but no kernel can compute. Every graph passes these rules right after import (the TFLite
reader; aot.driver.compiler.prepare before the passes) and again after the passes
(aot.frontends.validate.check_graph runs them first, and the ops' checks only on a graph that
passes them), so a nonsense model is refused with the tensor or op named, never compiled into C
with undefined behaviour nor failing deep inside a pass.

The rules: quantisation scales finite and > 0 (denormal or huge ones are accepted where TFLM
computes with them, QuantizeMultiplier making a multiplier of zero; refused where TFLM refuses
them or its requantisation overflows: _requantisation); zero points within the storage type; per-channel arrays of one entry per channel along a valid axis; one
writer per tensor, never an op's own input, a constant or a graph input; every activation
written before it is read; dims > 0; windows, strides and dilations > 0; sizes that fit the C
descriptors' uint32 fields. Index ranges (tensor, buffer, opcode) are the readers' to check,
while reading (aot/frontends/tflite.py)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from aot import ops
from aot.core.ir import Graph, Tensor

# The C descriptors hold byte counts and offsets as uint32_t (runtime_c/include/aot_model.h).
MAX_BYTES = 2**32 - 1
_INT_RANGES = {dtype: (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
               for dtype in ("int8", "uint8", "int16", "int32", "int64")}
_WINDOW_ATTRS = ("stride", "dilation", "filter")
_ACTIVATION_BOUNDS = {"RELU6": (6.0,), "RELU_N1_TO_1": (-1.0, 1.0)}  # the nonzero clamp bounds

Problem = tuple[str, str, str]


def check_model(g: Graph) -> list[Problem]:
    """Every rule's problems, (location, operator, reason) as aot.frontends.validate.check_graph."""
    problems = _references(g)
    if problems:  # the rules below look tensors up by name
        return problems
    return check_tensors(g.tensor(name) for name in _used(g)) or _writers(g) + _windows(g) + _requantisation(g)


def check_tensors(tensors: Iterable[Tensor]) -> list[Problem]:
    """The rules of each tensor on its own: dims, size, quantisation (a reader runs them before
    its converters look at the tensors)."""
    return [("graph", "tensor", f"tensor {t.name!r} {why}") for t in tensors for why in _tensor(t)]


def _location(i: int, op) -> tuple[str, str]:
    loc, _, source = (op.name or f"#{i} {op.kind}").partition(" ")
    return loc, source or op.kind


def _references(g: Graph) -> list[Problem]:
    problems = []
    for i, op in enumerate(g.ops):
        missing = [n for n in [*op.inputs, *op.outputs] if n is not None and n not in g.tensors]
        if missing:
            problems.append((*_location(i, op), f"refers to unknown tensor(s) {missing}"))
        if any(n is None for n in op.outputs):
            problems.append((*_location(i, op), "has an absent output"))
    for role, names in (("input", g.inputs), ("output", g.outputs)):
        problems += [("graph", role, f"unknown {role} tensor {name!r}") for name in names if name not in g.tensors]
    return problems


def _used(g: Graph) -> list[str]:
    seen = dict.fromkeys([*g.inputs, *g.outputs])
    for op in g.ops:
        seen.update(dict.fromkeys(n for n in [*op.inputs, *op.outputs] if n is not None))
    return list(seen)


def _tensor(t: Tensor) -> list[str]:
    """The problems of one tensor: its dims, its size, its quantisation."""
    if any(d < 0 for d in t.shape):
        return [f"has a negative dimension (shape {list(t.shape)}): dynamic shapes are not supported"]
    if t.size == 0 and not t.is_const:  # an empty constant is data (ONNX's absent Resize roi): the ops judge it
        return [f"has no elements (shape {list(t.shape)})"]
    if t.nbytes > MAX_BYTES:
        return [f"is too large: {t.nbytes:,} bytes (shape {list(t.shape)}); the C descriptors hold at most {MAX_BYTES:,}"]
    return _quant(t) if t.quant is not None and t.dtype in _INT_RANGES else []


def _quant(t: Tensor) -> list[str]:
    q = t.quant
    scale, zp = q.scale, q.zero_point
    bad = scale[~(np.isfinite(scale) & (scale > 0))]
    if bad.size:
        return [f"has quantisation scale {float(bad[0])!r}; a scale must be finite and > 0"]
    lo, hi = _INT_RANGES[t.dtype]
    if zp.size and not (zp.min() >= lo and zp.max() <= hi):
        wrong = int(zp[(zp < lo) | (zp > hi)][0])
        return [f"has zero point {wrong}, outside {t.dtype}'s range {lo}..{hi}"]
    if scale.size == 1:
        return [] if zp.size == 1 else [f"has {zp.size} zero points for one scale"]
    if zp.size != scale.size:
        return [f"has {scale.size} scales but {zp.size} zero points"]
    if len(t.shape) == 1 and scale.size == t.shape[0]:  # a bias: the converter writes its weights' axis (TFLM ignores it)
        return []
    if q.axis is None or not 0 <= q.axis < len(t.shape):
        return [f"has per-channel quantisation along axis {q.axis}, not one of its {len(t.shape)} dims"]
    if scale.size != t.shape[q.axis]:
        return [f"has {scale.size} per-channel scales for {t.shape[q.axis]} channels (axis {q.axis} of "
                f"shape {list(t.shape)})"]
    return []


def _writers(g: Graph) -> list[Problem]:
    """One writer per tensor (a graph input is written by the caller, a constant at compile time),
    never an op's own input, and every activation written before an op reads it. Variable
    tensors are updated in place by the ops whose traits say so, as inputs: that they are never
    outputs is aot.frontends.validate's rule (_state), with its own message."""
    problems = []
    written = {n: "a graph input" for n in g.inputs}
    written.update({n: "a constant" for n, t in g.tensors.items() if t.is_const})
    written.update({n: "a variable" for n, t in g.tensors.items() if t.variable})
    written.update({n: "state" for op in g.ops for n in ops.updated_state(op)})  # _state: is it a variable?
    for i, op in enumerate(g.ops):
        loc, source = _location(i, op)
        for name in op.inputs:
            if name is not None and name not in written:
                problems.append((loc, source, f"reads tensor {name!r} before any op writes it"))
                written[name] = "nobody"  # reported once
        for name in op.outputs:
            if g.tensor(name).variable:  # aot.frontends.validate says how state is written
                continue
            if name in op.inputs:
                problems.append((loc, source, f"writes its own input {name!r}"))
            elif name in written:
                problems.append((loc, source, f"writes tensor {name!r}, already {written[name]}"))
            written[name] = f"written by {loc} {source}"
    problems += [("graph", "output", f"output tensor {name!r} is never written") for name in g.outputs if name not in written]
    return problems


def _windows(g: Graph) -> list[Problem]:
    problems = []
    for i, op in enumerate(g.ops):
        for attr in _WINDOW_ATTRS:
            value = op.attrs.get(attr)
            if value is not None and (len(value) == 0 or min(int(v) for v in value) <= 0):
                problems.append((*_location(i, op), f"{attr} {list(value)} must be > 0"))
    return problems


def _requantisation(g: Graph) -> list[Problem]:
    """Scales TFLM takes but cannot compute with, refused as TFLM refuses or would overflow: a
    fused activation's bound that is no int32 number of output steps (TFLM's Prepare fails:
    no_integer_overflow_from_quantization), and a weighted op's effective scale input * weight /
    output of 2^30 or more (QuantizeMultiplier's shift past 30: TFLM's left shift overflows)."""
    problems = []
    for i, op in enumerate(g.ops):
        traits = ops.traits(op.kind)
        y = g.tensor(op.outputs[0]) if op.outputs else None
        if y is None or y.quant is None or not y.quant.per_tensor or y.dtype not in ("int8", "int16"):
            continue
        y_scale = np.float32(y.quant.tensor_scale)
        for bound in _ACTIVATION_BOUNDS.get(op.attrs.get("activation", "NONE") if traits.fused_activation else "NONE", ()):
            with np.errstate(over="ignore"):
                steps = float(np.float32(bound) / y_scale)
            if not -(2**31) <= steps <= 2**31 - 1:
                problems.append((*_location(i, op), f"fused activation {op.attrs['activation']}: its bound {bound} is "
                                                    f"{steps:g} steps of the output scale {float(y_scale)!r}, past int32"))
        operands = [g.tensor(n) for n in op.inputs[:2] if n is not None]
        if traits.weight_channel_axis is None or len(operands) < 2 or any(t.quant is None for t in operands):
            continue
        effective = float(np.max(operands[0].quant.scale.astype(np.float64) * operands[1].quant.scale / float(y_scale)))
        if effective >= 2.0**30:
            problems.append((*_location(i, op), f"the effective scale input * weight / output is {effective:g}, "
                                                "2^30 or more: the requantisation overflows"))
    return problems
