from __future__ import annotations

from aot.ir import Op
from codegen_c.context import LoweringContext
from codegen_c.ops import conv2d


def lower(index: int, op: Op, ctx: LoweringContext) -> dict:
    return {**conv2d.lower(index, op, ctx), "M": op.attrs["depth_multiplier"]}
