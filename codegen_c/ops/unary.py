from __future__ import annotations

from aot.core.ir import Op
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel

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
    "floor": "floorf(v)",
    "ceil": "ceilf(v)",
}


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    params = {k: c_float(v) for k, v in op.attrs.items() if k in ("alpha", "beta", "min", "max")}
    return {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
            "size": ctx.graph.tensor(op.inputs[0]).size, "expr": EXPRESSIONS[op.attrs["fn"]].format(**params)}


KERNELS = (Kernel("portable", "ops/unary.c.j2", lower),)
