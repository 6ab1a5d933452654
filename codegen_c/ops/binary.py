from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.fixedpoint import get_reciprocal
from aot.core.ir import Op
from aot.ops import binary
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops.add import broadcast_vars, same_shape_inputs

# The C expression of each aot.ops.binary function of `u` and `v` (floats; max/min int8 too).
EXPRESSIONS = {
    "sub": "u - v",
    "mul": "u * v",
    "div": "u / v",
    "max": "u > v ? u : v",
    "min": "u < v ? u : v",
    "pow": "powf(u, v)",
    "squared_difference": "(u - v) * (u - v)",
    "floor_div": "(float)floor((double)u / (double)v)",  # TFLite divides in double
    "floor_mod": "r != 0.0f && (v < 0.0f) != (r < 0.0f) ? r + v : r",  # fmod, moved to the divisor's sign
}
PRELUDES = {"floor_mod": "const float r = fmodf(u, v);"}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g, fn = ctx.graph, op.attrs["fn"]
    v = {**broadcast_vars(op, ctx), "op": fn, "expr": EXPRESSIONS[fn], "prelude": PRELUDES.get(fn), "quantized": g.tensor(op.outputs[0]).dtype == "int8"}
    act = op.attrs.get("activation", "NONE")
    if v["quantized"]:
        p = binary.params(op, g)
        v["p"] = p
        v["act_min"], v["act_max"] = p if fn in ("max", "min") else (p.act_min, p.act_max)
        v["reciprocal_of_zero"] = int(get_reciprocal(np.zeros(1, np.int64), 31)[0][0])
    elif act != "NONE":
        v["act_min"], v["act_max"] = (c_float(x) for x in quant.activation_range(act, "float32", None, 0))
    return v


KERNELS = (Kernel("portable", "ops/binary.c.j2", lower, overwrites=same_shape_inputs),)
