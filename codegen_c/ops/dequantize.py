from __future__ import annotations

from aot.core.ir import Op
from aot.ops.dequantize import all_values, single_precision_exact
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel

# int8/uint8 tensors of at least this many elements read a 256-entry float table (1 KiB of flash,
# measured on Cortex-M4: 6 instructions per element against 8 for the single-precision multiply);
# smaller ones, where the table would outweigh the output, multiply.
TABLE_MIN_SIZE = 256


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    x = ctx.graph.tensor(op.inputs[0])
    scale, zp = x.quant.tensor_scale, x.quant.tensor_zero_point
    v = {"x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "size": x.size, "zp": zp}
    if x.dtype in ("int8", "uint8") and x.size >= TABLE_MIN_SIZE:
        v["table"] = ctx.derived(index, "table", all_values(scale, zp, x.dtype), "float32")
        v["offset"], v["form"] = (128 if x.dtype == "int8" else 0), "table"
    elif single_precision_exact(scale, zp, x.dtype):
        v["scale"], v["form"] = c_float(scale), "single"
    else:
        v["scale"], v["form"] = repr(float(scale)), "double"
    return v


KERNELS = (Kernel("portable", "ops/dequantize.c.j2", lower),)
