from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import reduce
from codegen_c.cexpr import plus
from codegen_c.cfmt import ctype
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.nd import affine, strides

# (initial value, combine(acc, v)) of each aot.ops.reduce function; max and min start from the
# extreme of the input dtype
COMBINE = {
    "mean": ("0", "acc + v"), "sum": ("0", "acc + v"), "prod": ("1", "acc * v"),
    "max": ({"float32": "(-INFINITY)", "int8": "-128"}, "v > acc ? v : acc"),
    "min": ({"float32": "INFINITY", "int8": "127"}, "v < acc ? v : acc"),
}


def int32_sum(op: Op, g: Graph) -> bool:
    """An int8 (int16) mean or sum: it adds into an int32 scratch buffer, then rescales."""
    return g.tensor(op.inputs[0]).dtype in ("int8", "int16") and op.attrs["fn"] in ("mean", "sum")


def sum_scratch(op: Op, g: Graph, knobs: dict) -> int:
    return 4 * g.tensor(op.outputs[0]).size if int32_sum(op, g) else 0


def _finish(op: Op, g: Graph) -> str | None:
    """The output computed from ``a``, its accumulator (None: the accumulator is the output)."""
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    n = reduce.count(op, g)
    if x.dtype == "float32":
        return f"a / {n}.0f" if op.attrs["fn"] == "mean" else None
    if not int32_sum(op, g):
        return None
    mult, shift = reduce.int8_rescale(op, g)
    offset = x.quant.tensor_zero_point * n
    info = np.iinfo(y.np_dtype)
    return (f"({ctype(y.dtype)})aot_clamp(aot_mbqm(a{plus(-offset)}, {mult}, {shift}){plus(y.quant.tensor_zero_point)}, "
            f"{info.min}, {info.max})")


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    fn, axes = op.attrs["fn"], op.attrs["axes"]
    kept = [1 if a in axes else n for a, n in enumerate(x.shape)]  # the output shape with kept dims
    dst = [0 if a in axes else s for a, s in enumerate(strides(tuple(kept)))]
    init, combine = COMBINE[fn]
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "dims": list(x.shape),
            "out_size": y.size, "dst": affine(dst), "init": init[x.dtype] if isinstance(init, dict) else init,
            "combine": combine,
            "ACC": "int32_t" if int32_sum(op, g) else ctype(x.dtype), "YT": ctype(y.dtype), "finish": _finish(op, g)}


KERNELS = (Kernel("portable", "ops/reduce.c.j2", lower, scratch=sum_scratch),)
