from __future__ import annotations

from aot.core.ir import Op
from aot.ops import embedding_lookup
from codegen_c.cfmt import c_float, ctype
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    ids, table, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    return {"ids": ctx.ptr(op.inputs[0]), "table": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
            "count": ids.shape[0], "rows": table.shape[0], "cols": table.size // table.shape[0],
            "TT": ctype(table.dtype), "YT": ctype(y.dtype),
            "scale": c_float(table.quant.tensor_scale) if embedding_lookup.dequantizes(op, g) else None}


KERNELS = (Kernel("portable", "ops/embedding_lookup.c.j2", lower),)
