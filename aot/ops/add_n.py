"""ADD_N: the sum of two or more inputs of one shape. int8 (TFLite's reference_ops::AddN): every
input shares one quantisation, rescaled to 2^20 as ADD does (add.params of the first two inputs);
the sum starts from the rescaled value of a stored 0, as TFLite's does, and is requantised."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops import add
from aot.ops.traits import OpTraits

TRAITS = OpTraits()


def check(op: Op, g: Graph) -> list[str]:
    xs, y = [g.tensor(n) for n in op.inputs], g.tensor(op.outputs[0])
    if len(xs) < 2:
        return [f"add_n needs two or more inputs, not {len(xs)}"]
    if any(x.dtype != y.dtype for x in xs) or y.dtype not in ("int8", "float32"):
        return [f"add_n of {', '.join(x.dtype for x in xs)} -> {y.dtype} is not supported (int8 or float32)"]
    if any(x.shape != y.shape for x in xs):
        return [f"add_n needs inputs of the output's shape {list(y.shape)}, not {[list(x.shape) for x in xs]}"]
    if y.dtype == "int8":
        if any(t.quant is None or not t.quant.per_tensor for t in (*xs, y)):
            return ["int8 add_n needs per-tensor quantisation on the inputs and the output"]
        if any(x.quant.to_json() != xs[0].quant.to_json() for x in xs):
            return ["int8 add_n needs one quantisation shared by all inputs"]
    return []


def macs(op: Op, g: Graph) -> int:
    return 0


def initial(p: add.AddParams) -> int:
    """TFLite's starting value of the int8 sum: a stored 0 rescaled."""
    return int(add.rescaled(0, 0, p)[0])


def reference(op: Op, g: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    if inputs[0].dtype == np.float32:
        total = np.zeros(inputs[0].shape, np.float32)
        for x in inputs:
            total = total + x  # float32, in input order as TFLite adds
        return [total]
    p = add.params(op, g)
    acc = initial(p) + sum(add.rescaled(x, x, p)[0] for x in inputs)
    return [np.clip(quant.mbqm(acc, p.output_multiplier, p.output_shift) + p.output_offset, p.act_min, p.act_max).astype(np.int8)]
