from __future__ import annotations

import numpy as np

from aot.core.ir import Op
from aot.ops import int16_unary, unary
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel, first_input

# The C expression of each aot.ops.unary function of `v` (float); {alpha} etc. are attributes.
EXPRESSIONS = {
    "relu": "v > 0.0f ? v : 0.0f",
    "leaky_relu": "v >= 0.0f ? v : v * {alpha}",
    "elu": "v >= 0.0f ? v : {alpha} * expm1f(v)",
    "clip": "(v < {min} ? {min} : v) > {max} ? {max} : (v < {min} ? {min} : v)",  # min(max(v, lo), hi)
    "sigmoid": "1.0f / (1.0f + expf(-v))",
    "hard_sigmoid": "aot_clampf({alpha} * v + {beta}, 0.0f, 1.0f)",
    "hardswish": "v * aot_clampf(v / 6.0f + 0.5f, 0.0f, 1.0f)",
    "tanh": "tanhf(v)",
    "abs": "fabsf(v)",
    "neg": "-v",
    "exp": "expf(v)",
    "sqrt": "sqrtf(v)",
    "rsqrt": "1.0f / sqrtf(v)",
    "square": "v * v",
    "log": "logf(v)",
    "sin": "sinf(v)",
    "cos": "cosf(v)",
    "floor": "floorf(v)",
    "ceil": "ceilf(v)",
    "round": "rintf(v)",  # half to even in the default rounding mode
    "erf": "erff(v)",
    "gelu": "0.5f * v * (1.0f + erff(v * 0.70710678f))",
    "gelu_tanh": "0.5f * v * (1.0f + tanhf(0.79788456f * (v + 0.044715f * v * v * v)))",
    "reciprocal": "1.0f / v",
    "sign": "(float)((v > 0.0f) - (v < 0.0f))",
    "softplus": "log1pf(expf(-fabsf(v))) + (v > 0.0f ? v : 0.0f)",  # log(1 + e^v) without overflow
    "softsign": "v / (1.0f + fabsf(v))",
    "selu": "{gamma} * (v > 0.0f ? v : {alpha} * expm1f(v))",
    "mish": "v * tanhf(log1pf(expf(-fabsf(v))) + (v > 0.0f ? v : 0.0f))",
}


def sigmoid_table(ctx: LoweringContext) -> str:
    """TFLite's sigmoid_table_uint16 as an int16 constant: one copy per model, shared by the int16
    LOGISTIC / TANH kernels and the LSTM's gates."""
    return ctx.weight("int16_unary.sigmoid_table", int16_unary.SIGMOID_TABLE_UINT16.astype(np.uint16).view(np.int16), "int16")


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x = ctx.graph.tensor(op.inputs[0])
    v = {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "size": x.size,
         "quantized": x.dtype == "int8", "int16": x.dtype == "int16", "function": op.attrs["fn"]}
    if x.dtype == "int8":
        v["table"] = ctx.derived(index, "table", unary.int8_table(op, ctx.graph), "int8")
    elif x.dtype == "int16":
        v.update(unary.int16_constants(op, ctx.graph))
        if op.attrs["fn"] in int16_unary.STEP_BITS:  # the uint16 table, stored as int16: one copy in the model
            bits = int16_unary.STEP_BITS[op.attrs["fn"]]
            v.update(bits=bits, mask=(1 << bits) - 1, rounding=(1 << v["left_shift"] - 1) if v["left_shift"] else 0)
            v["sigmoid_table"] = sigmoid_table(ctx)
    else:
        params = {k: c_float(a) for k, a in op.attrs.items() if k in ("alpha", "beta", "gamma", "min", "max")}
        name = op.attrs["fn"] + ("_tanh" if op.attrs.get("approximate") == "tanh" else "")
        v["expr"] = EXPRESSIONS[name].format(**params)
    return v


KERNELS = (Kernel("portable", "ops/unary.c.j2", lower, overwrites=first_input),)
