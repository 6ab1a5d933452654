from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.fixedpoint import get_reciprocal
from aot.core.ir import Op
from aot.ops import binary
from codegen_c.cfmt import c_float, c_int
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
    "fmod": "fmodf(u, v)",
}
PRELUDES = {"floor_mod": "const float r = fmodf(u, v);"}
QUANTIZED = ("int8", "int16")
# int32 (aot.ops.binary INTEGER): wrapping as TFLite's int32_t arithmetic does on overflow.
INT32_EXPRESSIONS = {
    "sub": "(int32_t)((uint32_t)u - (uint32_t)v)",
    "mul": "(int32_t)((uint32_t)u * (uint32_t)v)",
    "div": "u / v",
    "max": "u > v ? u : v",
    "min": "u < v ? u : v",
    "squared_difference": "(int32_t)(((uint32_t)u - (uint32_t)v) * ((uint32_t)u - (uint32_t)v))",
}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g, fn = ctx.graph, op.attrs["fn"]
    dtype, act = g.tensor(op.outputs[0]).dtype, op.attrs.get("activation", "NONE")
    v = {**broadcast_vars(op, ctx), "op": fn, "expr": (INT32_EXPRESSIONS if dtype == "int32" else EXPRESSIONS)[fn],
         "prelude": PRELUDES.get(fn), "quantized": dtype in QUANTIZED, "cast": dtype in QUANTIZED, "clamp": None}
    if dtype in QUANTIZED:
        p = binary.params(op, g)
        v["p"], v["clamp"] = p, "aot_clamp"
        v["act_min"], v["act_max"] = p if fn in ("max", "min") else (p.act_min, p.act_max)
        v["reciprocal_of_zero"] = int(get_reciprocal(np.zeros(1, np.int64), 31)[0][0])
    elif act != "NONE" and dtype == "int32":
        v["clamp"] = "aot_clamp"
        v["act_min"], v["act_max"] = (c_int(x) for x in binary.int32_range(act))
    elif act != "NONE":
        v["clamp"] = "aot_clampf"
        v["act_min"], v["act_max"] = (c_float(x) for x in quant.activation_range(act, "float32", None, 0))
    return v


KERNELS = (Kernel("portable", "ops/binary.c.j2", lower, overwrites=same_shape_inputs),)
