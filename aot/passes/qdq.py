"""QDQ folding: DequantizeLinear -> float op -> QuantizeLinear becomes one int8 op.

What an op allows is its traits (aot/ops/traits.py):
- an op with weights (``weight_channel_axis``: conv2d, depthwise_conv2d, fully_connected) whose
  input is dequantized from int8, whose weights are dequantized int8 constants (symmetric unless
  ``asymmetric_weights``; per-tensor or per output channel) and whose only consumer quantizes to
  int8 runs as our int8 kernel (TFLite arithmetic); the bias becomes int32 at scale
  input_scale * weight_scale;
- an op that ``rescales_int8_operands`` (add) of dequantized int8 tensors, quantized to int8,
  runs as the int8 op;
- an op that ``commutes_with_quantization`` (data movement, max pooling) of a per-tensor
  dequantize: the dequantize moves below it and it runs on int8 values;
- an op with ``shared_quantization`` (concat, average_pool2d) between equal quantisations runs on
  the int8 values;
- so do gather, gather_nd, a max / min reduction (order is kept by a positive scale), an
  elementwise max / min, a select and a concat of values dequantized alike, and a pad whose constant is one
  int8 value exactly (_picked_inputs, _sink_pad);
- an arg max / min of a per-tensor dequantize reads the int8 values (the same order, ties alike);
- quantize(dequantize(q)) is q itself (same parameters) or an int8 -> int8 requantisation, but
  only where that is proven equal to the float path: the int8 input has 256 values, all of them
  are checked through the float references (aot/ops/dequantize.py, quantize.py); where one
  differs the float ops stay (as tflite-micro runs them);
- a float unary function between a per-tensor int8 dequantize and quantize becomes the int8
  unary op with a table of its 256 outputs, computed by those three ops' references: equal for
  every input to the float ops it replaces (an activation the op before can fuse excepted).
A rewrite the int8 kernel's check rejects is undone: that part stays float.

The fused islands (an int8 kernel for dequantize -> float op -> quantize) are not proven equal to
the float path (TFLite integer arithmetic, within one quantisation step per op): each is recorded
in ``g.approximations``, so a run reports its comparison with the imported model as approximate.
"""
from __future__ import annotations

import numpy as np

from aot import ops
from aot.core.ir import Graph, Op
from aot.ops.traits import OpTraits
from aot.passes.edit import clone, const_through_dequantize, only_user, producer, replace_uses
from aot.passes.fuse_activation import activation_of


def qdq(g: Graph) -> Graph:
    changed = True
    while changed:
        changed = False
        for op in list(g.ops):
            if op in g.ops and _picked_inputs(op):
                changed |= _sink_dequantize(g, op, _picked_inputs(op))
            elif op in g.ops and op.kind == "pad":
                changed |= _sink_pad(g, op)
            elif op in g.ops and op.kind == "arg_minmax":
                changed |= _arg_of_int8(g, op)
            elif op in g.ops and op.kind == "quantize":
                changed |= _requantize(g, op)
    for op in list(g.ops):
        if op in g.ops and _fusible(ops.traits(op.kind)):
            _fuse(g, op)
        elif op in g.ops and op.kind == "unary":
            _tabulate(g, op)
    return g


def int8_form(kind: str) -> str | None:
    """How this pass runs a float op of ``kind`` between dequantize and quantize on int8 (for
    `microaot ops`): None where it stays float."""
    t = ops.traits(kind)
    if kind == "quantize":
        return "requantisation where exact on all 256 values"
    if t.commutes_with_quantization:
        return "on int8 as it is (bit-exact)"
    if kind == "unary":
        return "int8 table of dequantize -> f -> quantize (bit-exact)"
    if kind == "arg_minmax":
        return "on the int8 values (bit-exact)"
    if kind == "pad":
        return "on int8 where the pad value is an int8 value (bit-exact)"
    if t.picked_inputs and not t.shared_quantization:
        return "on int8 where it only picks values (gather, max / min, select), inputs dequantized alike (bit-exact)"
    if t.weight_channel_axis is not None:
        return "int8 kernel, int8 weights" + (" (asymmetric allowed)" if t.asymmetric_weights else "")
    if t.rescales_int8_operands:
        return "int8 kernel (operands rescaled)"
    if t.shared_quantization:
        return "int8 kernel (one shared quantisation)"
    return None


def _fusible(t: OpTraits) -> bool:
    """An op whose dequantize -> op -> quantize island may become the int8 op (one that commutes
    with quantization had the dequantize moved below it instead)."""
    return t.weight_channel_axis is not None or t.rescales_int8_operands or \
        (t.shared_quantization and not t.commutes_with_quantization)


def _sink_dequantize(g: Graph, op: Op, picked: list[int] = (0,)) -> bool:
    """op(dequantize(q), ...) -> dequantize(op(q, ...)) for an op whose output elements are elements
    of its inputs at ``picked`` as they are: those must be dequantized alike (one per-tensor int8
    quantisation)."""
    sources = [_int8_source(g, op.inputs[i]) for i in picked]
    if None in sources or op.attrs.get("activation", "NONE") != "NONE":
        return False
    quant = g.tensor(sources[0]).quant
    if any(g.tensor(q).quant.to_json() != quant.to_json() for q in sources):
        return False
    y = op.outputs[0]
    moved = clone(g, y, dtype="int8", quant=quant)
    swap = {op.inputs[i]: q for i, q in zip(picked, sources)}
    op.inputs, op.outputs = [swap.get(n, n) for n in op.inputs], [moved]
    g.ops.insert(g.ops.index(op) + 1, Op("dequantize", [moved], [y], {}, name=op.name))
    return True


def _picked_inputs(op: Op) -> list[int]:
    """The inputs whose elements the op's output holds as they are (the op's traits; [] if it
    computes values): so chained concats, ONNX's Tile and wrap Pad, stay int8."""
    t = ops.traits(op.kind)
    if t.commutes_with_quantization:
        return [0]
    return list(t.picked_inputs(op)) if t.picked_inputs else []


def _sink_pad(g: Graph, op: Op) -> bool:
    """pad(dequantize(q)) -> dequantize(pad(q)): edge and reflect copy elements; a constant pad
    value only if one int8 value dequantizes to exactly it (0: the zero point)."""
    q = _int8_source(g, op.inputs[0])
    if q is None:
        return False
    if op.attrs["mode"] == "constant":
        quant = g.tensor(q).quant
        raw = int(np.round(op.attrs["value"] / quant.tensor_scale)) + quant.tensor_zero_point
        real = np.float32(np.float64(quant.tensor_scale) * (raw - quant.tensor_zero_point))  # aot/ops/dequantize.py
        if not -128 <= raw <= 127 or real != np.float32(op.attrs["value"]):
            return False
        op.attrs = {**op.attrs, "value": raw}
    return _sink_dequantize(g, op)


def _arg_of_int8(g: Graph, op: Op) -> bool:
    """arg_minmax(dequantize(q)) -> arg_minmax(q): dequantizing is strictly increasing (scale > 0),
    so the order and the ties, hence the index, are those of the int8 values."""
    q = _int8_source(g, op.inputs[0])
    if q is None or not g.tensor(q).quant.tensor_scale > 0:
        return False
    op.inputs = [q, *op.inputs[1:]]
    return True


def _tabulate(g: Graph, op: Op) -> None:
    """dequantize -> float unary -> quantize (int8, per tensor) -> one int8 unary op whose table
    is those three references evaluated on -128..127."""
    q_in = _int8_source(g, op.inputs[0])
    q = only_user(g, op.outputs[0])
    if q_in is None or q is None or q.kind != "quantize" or g.tensor(op.outputs[0]).dtype != "float32":
        return
    out = g.tensor(q.outputs[0])
    if out.dtype != "int8" or out.quant is None or not out.quant.per_tensor:
        return
    before = producer(g, q_in)
    if activation_of(op) and before is not None and ops.traits(before.kind).fused_activation:
        return  # fuse_activation folds it into the op before
    values = np.arange(-128, 128, dtype=np.int8)
    real = ops.get("dequantize").reference(producer(g, op.inputs[0]), g, [values])[0]
    table = ops.get("quantize").reference(q, g, [ops.get("unary").reference(op, g, [real])[0]])[0]
    op.inputs, op.outputs = [q_in], list(q.outputs)
    op.attrs = {**op.attrs, "table": tuple(int(v) for v in table)}
    g.ops.remove(q)


def _requantize(g: Graph, op: Op) -> bool:
    """quantize(dequantize(q)): q itself when the parameters agree, else an int8 requantisation;
    either only if it gives the float path's bytes for all 256 values of q."""
    q = _int8_source(g, op.inputs[0])
    y = g.tensor(op.outputs[0])
    if q is None or y.dtype != "int8" or not _requantize_exact(g, op, q):
        return False
    if g.tensor(q).quant.to_json() == y.quant.to_json() and y.name not in g.outputs:
        replace_uses(g, y.name, q)
        g.ops.remove(op)
        return True
    op.inputs = [q]
    return True


def _requantize_exact(g: Graph, op: Op, q: str) -> bool:
    """quantize(dequantize(q)) (float, as imported) equals quantize(q) (the integer requantisation,
    or q itself when the parameters agree) on every int8 value of q."""
    every = np.arange(-128, 128, dtype=np.int8)
    real = ops.get("dequantize").reference(producer(g, op.inputs[0]), g, [every])[0]
    floats = ops.get("quantize").reference(op, g, [real])[0]
    if g.tensor(q).quant.to_json() == g.tensor(op.outputs[0]).quant.to_json():
        return bool(np.array_equal(floats, every))
    before = op.inputs
    op.inputs = [q]
    ints = ops.get("quantize").reference(op, g, [every])[0]
    op.inputs = before
    return bool(np.array_equal(floats, ints))


def _int8_source(g: Graph, name: str | None, const_ok: bool = False) -> str | None:
    """The per-tensor int8 tensor a dequantize turns into ``name`` (a constant only if const_ok)."""
    p = producer(g, name)
    if p is None or p.kind != "dequantize":
        return None
    t = g.tensor(p.inputs[0])
    ok = t.dtype == "int8" and (const_ok or not t.is_const) and t.quant is not None and t.quant.per_tensor
    return t.name if ok else None


def _fuse(g: Graph, op: Op) -> None:
    y = op.outputs[0]
    q = only_user(g, y)
    if g.tensor(y).dtype != "float32" or q is None or q.kind != "quantize" or g.tensor(q.outputs[0]).dtype != "int8":
        return
    known = set(g.tensors)
    t = ops.traits(op.kind)
    if t.weight_channel_axis is not None:
        inputs = _kernel_inputs(g, op, t)
    else:
        inputs = [_int8_source(g, name, const_ok=t.rescales_int8_operands) for name in op.inputs]
        if not t.rescales_int8_operands and any(g.tensor(i).quant.to_json() != g.tensor(q.outputs[0]).quant.to_json() for i in inputs if i):
            return
    if inputs is None or None in inputs:
        return
    before = (op.inputs, op.outputs)
    op.inputs, op.outputs = inputs, list(q.outputs)
    if ops.get(op.kind).check(op, g):
        op.inputs, op.outputs = before
        for name in set(g.tensors) - known:  # the int32 bias made for the rejected kernel
            del g.tensors[name]
        return
    g.ops.remove(q)
    g.approximations.append(f"{op.name or op.kind}: the float {op.kind} between DEQUANTIZE and QUANTIZE runs as "
                            "the int8 kernel (integer arithmetic, not proven equal to the float path)")


def _kernel_inputs(g: Graph, op: Op, t: OpTraits) -> list[str] | None:
    x = _int8_source(g, op.inputs[0])
    w = const_through_dequantize(g, op.inputs[1])
    if x is None or w is None or w.dtype != "int8" or w.quant is None:
        return None
    if not w.quant.per_tensor and w.quant.axis != t.weight_channel_axis:
        return None
    if not t.asymmetric_weights and np.any(w.quant.zero_point != 0):
        return None
    bias = op.inputs[2] if len(op.inputs) > 2 else None
    if bias is None:
        return [x, w.name]
    b = const_through_dequantize(g, bias)
    if b is None:
        return None
    real = b.data.astype(np.float64)
    if b.quant is not None:
        real = (real - b.quant.zero_point.astype(np.float64)) * b.quant.scale.astype(np.float64)
    scale = np.float64(g.tensor(x).quant.tensor_scale) * w.quant.scale.astype(np.float64)
    ints = np.round(real.reshape(-1) / scale)
    if np.abs(ints).max(initial=0) >= 2**31:
        return None
    return [x, w.name, clone(g, b.name, shape=(real.size,), data=ints.astype(np.int32), quant=None, dtype="int32")]
