"""ONNX node converters: elementwise, shape and data-movement operators.

Each converter ``fn(b, node, attrs)`` emits IR ops through the Builder (aot/frontends/onnx_builder.py)
and raises Unsupported with a reason; aot/frontends/onnx.py dispatches nodes to them. Convolution,
pooling, Gemm, normalisation and quantisation nodes live in aot/frontends/onnx_nn.py; CONVERTERS
takes in the families of the other modules (onnx_reduce.py: reductions, ArgMax, CumSum;
onnx_data.py: Gather, GatherND, Expand, Tile, DepthToSpace, SpaceToDepth, Cast; onnx_logic.py: comparisons,
logic, Where, Mod).
"""
from __future__ import annotations

import numpy as np
import onnx

from aot.frontends.onnx_builder import Builder, Unsupported, inp
from aot.frontends.onnx_data import DATA_CONVERTERS
from aot.frontends.onnx_logic import LOGIC_CONVERTERS
from aot.frontends.onnx_reduce import REDUCE_CONVERTERS

# -- elementwise ---------------------------------------------------------------------------------
_UNARY = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "HardSwish": "hardswish", "Abs": "abs",
          "Neg": "neg", "Exp": "exp", "Sqrt": "sqrt", "Floor": "floor", "Ceil": "ceil", "Round": "round",
          "Sin": "sin", "Cos": "cos", "Log": "log", "Erf": "erf", "Reciprocal": "reciprocal", "Sign": "sign",
          "Softplus": "softplus", "Softsign": "softsign", "Mish": "mish"}
_BINARY = {"Sub": "sub", "Mul": "mul", "Div": "div", "Max": "max", "Min": "min", "Pow": "pow"}


def _unary(b: Builder, node, attrs) -> None:
    fn = _UNARY.get(node.op_type) or node.op_type
    params = {}
    if node.op_type == "LeakyRelu":
        fn, params = "leaky_relu", {"alpha": attrs.get("alpha", 0.01)}
    elif node.op_type == "Elu":
        fn, params = "elu", {"alpha": attrs.get("alpha", 1.0)}
    elif node.op_type == "HardSigmoid":
        fn, params = "hard_sigmoid", {"alpha": attrs.get("alpha", 0.2), "beta": attrs.get("beta", 0.5)}
    elif node.op_type == "Clip":
        fn, params = "clip", _clip_range(b, node, attrs)
    elif node.op_type == "Selu":
        fn, params = "selu", {"alpha": attrs.get("alpha", 1.67326319217681884765625), "gamma": attrs.get("gamma", 1.05070102214813232421875)}
    elif node.op_type == "Gelu":
        if attrs.get("approximate", "none") not in ("none", "tanh"):
            raise Unsupported(f"approximate={attrs['approximate']!r} is not supported (none, tanh)")
        fn, params = "gelu", {"approximate": attrs.get("approximate", "none")}
    b.unary("unary", b.value(node.input[0]), None, node.output[0], fn=fn, **params)


def _clip_range(b: Builder, node, attrs) -> dict:
    if b.opset < 11:
        return {"min": float(attrs.get("min", -np.inf)), "max": float(attrs.get("max", np.inf))}
    lo, hi = inp(node, 1), inp(node, 2)
    return {"min": float(b.require_const(lo, "min").reshape(-1)[0]) if lo else -np.inf,
            "max": float(b.require_const(hi, "max").reshape(-1)[0]) if hi else np.inf}


def _prelu(b: Builder, node, attrs) -> None:
    """PRelu: the slope broadcasts to x (ONNX's unidirectional broadcasting)."""
    slope = node.input[1] if b.const(node.input[1]) is not None else b.value(node.input[1])
    b.emit("prelu", [b.value(node.input[0]), slope], [b.value(node.output[0])])


def _binary(b: Builder, node, attrs) -> None:
    """Two operands; the variadic Max, Min and Sum fold theirs from the left (one: a copy)."""
    names = [b.value(n) if b.const(n) is None else n for n in node.input if n]
    y = node.output[0]
    if len(names) == 1:
        b.unary("reshape", names[0], None, y)
    acc = names[0]
    for k, n in enumerate(names[1:], 2):
        out = b.value(y) if k == len(names) else \
            b.new(y, np.broadcast_shapes(b.shape(acc), b.shape(n)), b.dtype(acc))
        if node.op_type in ("Add", "Sum"):
            b.emit("add", [acc, n], [out], activation="NONE")
        else:
            b.emit("binary", [acc, n], [out], fn=_BINARY[node.op_type])
        acc = out


# -- shapes and data movement ------------------------------------------------------------------------
def _reshape(b: Builder, node, attrs) -> None:
    """Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout: the same elements, the inferred shape."""
    if node.op_type == "Dropout" and len([o for o in node.output if o]) > 1:
        raise Unsupported("the mask output of Dropout is not supported")
    if node.op_type == "Dropout" and inp(node, 2) and (b.const(inp(node, 2)) is None or b.const(inp(node, 2)).any()):
        raise Unsupported("training mode is not supported")
    x = b.value(node.input[0])
    y = node.output[0]
    if node.op_type == "Reshape" and y not in b.infos:
        shape = [int(d) for d in b.require_const(node.input[1], "shape")]
        shape = [b.shape(x)[i] if d == 0 and not attrs.get("allowzero") else d for i, d in enumerate(shape)]
        if -1 in shape:
            shape[shape.index(-1)] = int(np.prod(b.shape(x))) // max(1, -int(np.prod(shape)))
        b.infos[y] = (tuple(shape), b.dtype(x))
    b.unary("reshape", x, None, y)


def _transpose(b: Builder, node, attrs) -> None:
    x = b.value(node.input[0])
    b.transpose(x, attrs.get("perm", list(reversed(range(len(b.shape(x)))))), out=node.output[0])


def _concat(b: Builder, node, attrs) -> None:
    y = b.value(node.output[0])
    axis = attrs["axis"] % max(1, len(b.shape(y)))
    xs = [n if b.const(n) is not None else b.value(n) for n in node.input if n]
    b.emit("concat", xs, [y], axis=axis)


def _split(b: Builder, node, attrs) -> None:
    x = b.value(node.input[0])
    shape = b.shape(x)
    axis = attrs.get("axis", 0) % len(shape)
    start = 0
    for out in node.output:
        if not out:
            continue
        n = b.shape(out)[axis]
        starts = [start if a == axis else 0 for a in range(len(shape))]
        b.unary("slice", x, None, out, starts=starts, steps=[1] * len(shape))
        start += n


def _slice(b: Builder, node, attrs) -> None:
    x = b.value(node.input[0])
    shape = b.shape(x)
    if b.opset < 10:
        starts, ends = attrs["starts"], attrs["ends"]
        axes, steps = attrs.get("axes", list(range(len(starts)))), [1] * len(starts)
    else:
        starts = b.require_const(node.input[1], "starts")
        ends = b.require_const(node.input[2], "ends")
        axes = b.require_const(inp(node, 3), "axes") if inp(node, 3) else range(len(starts))
        steps = b.require_const(inp(node, 4), "steps") if inp(node, 4) else [1] * len(starts)
    first, step = [0] * len(shape), [1] * len(shape)
    for s, e, a, k in zip(starts, ends, axes, steps):
        a, dim, k = int(a) % len(shape), shape[int(a) % len(shape)], int(k)
        s = int(s) + dim if s < 0 else int(s)
        first[a] = min(max(s, 0), dim) if k > 0 else min(max(s, 0), dim - 1)
        step[a] = k
    y = b.value(node.output[0])
    b.emit("slice", [x], [y], starts=first, steps=step)


def _pad(b: Builder, node, attrs) -> None:
    x = b.value(node.input[0])
    rank = len(b.shape(x))
    if b.opset < 11:
        pads, value = list(attrs.get("pads", attrs.get("paddings", []))), attrs.get("value", 0.0)
    else:
        pads = [int(p) for p in b.require_const(node.input[1], "pads")]
        value = b.require_const(inp(node, 2), "constant_value").item() if inp(node, 2) else 0
    axes = list(range(rank))
    if inp(node, 3):
        axes = [int(a) % rank for a in b.require_const(inp(node, 3), "axes")]
    before, after = [0] * rank, [0] * rank
    for i, a in enumerate(axes):
        before[a], after[a] = int(pads[i]), int(pads[i + len(axes)])
    y, mode = node.output[0], attrs.get("mode", "constant")
    if min(before + after, default=0) < 0:  # negative pads crop: a slice first
        shape = [n + min(p, 0) + min(q, 0) for n, p, q in zip(b.shape(x), before, after)]
        if min(shape, default=1) < 0:
            raise Unsupported(f"pads {pads} crop more than the input {list(b.shape(x))}")
        last = max(before + after, default=0) <= 0
        x = b.unary("slice", x, shape, y if last else None, starts=[max(-p, 0) for p in before], steps=[1] * rank)
        if last:
            return
        before, after = [max(p, 0) for p in before], [max(p, 0) for p in after]
    if mode == "wrap":
        _wrap(b, x, before, after, y)
    else:
        b.unary("pad", x, None, y, before=before, after=after, mode=mode, value=value)


def _wrap(b: Builder, x: str, before: list[int], after: list[int], y: str) -> None:
    """Pad mode wrap: along each padded axis, the concatenation of its last ``before`` slice, the
    tensor and its first ``after`` slice."""
    padded = [a for a in range(len(before)) if before[a] or after[a]]
    if not padded:
        b.unary("reshape", x, None, y)
    for a in padded:
        shape = list(b.shape(x))
        if max(before[a], after[a]) > shape[a]:
            raise Unsupported(f"wrap pads {before[a]}, {after[a]} exceed axis {a} of {shape[a]}")
        parts = []
        for start, count in ((shape[a] - before[a], before[a]), (None, 0), (0, after[a])):
            if start is None:
                parts.append(x)
            elif count:
                part = shape[:a] + [count] + shape[a + 1:]
                parts.append(b.unary("slice", x, part, starts=[start if k == a else 0 for k in range(len(shape))], steps=[1] * len(shape)))
        shape[a] += before[a] + after[a]
        out = b.value(y) if a == padded[-1] else b.new(y, shape, b.tensors[x].dtype, b.tensors[x].quant)
        b.emit("concat", parts, [out], axis=a)
        x = out


CONVERTERS = {
    **{op: (_unary, ()) for op in _UNARY},
    "LeakyRelu": (_unary, ("alpha",)), "Elu": (_unary, ("alpha",)), "HardSigmoid": (_unary, ("alpha", "beta")),
    "Clip": (_unary, ("min", "max")), "Gelu": (_unary, ("approximate",)), "Selu": (_unary, ("alpha", "gamma")), "PRelu": (_prelu, ()),
    "Add": (_binary, ()), "Sum": (_binary, ()), **{op: (_binary, ()) for op in _BINARY},
    "Reshape": (_reshape, ("allowzero",)), "Flatten": (_reshape, ("axis",)), "Squeeze": (_reshape, ("axes",)),
    "Unsqueeze": (_reshape, ("axes",)), "Identity": (_reshape, ()), "Dropout": (_reshape, ("ratio", "seed")),
    "Transpose": (_transpose, ("perm",)), "Concat": (_concat, ("axis",)),
    "Split": (_split, ("axis", "split", "num_outputs")), "Slice": (_slice, ("starts", "ends", "axes")),
    "Pad": (_pad, ("mode", "pads", "value", "paddings")),
    **REDUCE_CONVERTERS, **DATA_CONVERTERS, **LOGIC_CONVERTERS,
}

_ELEMENTWISE = {*_UNARY, *_BINARY, "Add", "Sum", "LeakyRelu", "Elu", "HardSigmoid", "Clip", "Gelu", "Selu", "PRelu", "DequantizeLinear"}


def elementwise_shape(b: Builder, node: onnx.NodeProto) -> None:
    """Shape inference sometimes leaves elementwise outputs unknown: broadcast the inputs'."""
    out = node.output[0]
    ins = [n for n in node.input if n]
    if node.op_type in _ELEMENTWISE and b.infos.get(out, (None,))[0] is None and all(n in b.tensors for n in ins):
        many = node.op_type in _BINARY or node.op_type in ("Add", "Sum", "PRelu")
        shape = np.broadcast_shapes(*(b.tensors[n].shape for n in (ins if many else ins[:1])))
        dtype = "float32" if node.op_type == "DequantizeLinear" else b.tensors[ins[0]].dtype
        b.infos[out] = (tuple(shape), dtype)
