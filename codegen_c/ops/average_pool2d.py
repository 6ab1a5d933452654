from __future__ import annotations

from aot.core import quant
from aot.core.ir import Graph, Op
from codegen_c import dsp
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops.average_pool2d_mve import mve_kernels


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    act = op.attrs.get("activation", "NONE")
    if y.dtype == "float32":
        lo, hi = quant.activation_range(act, "float32", None, 0)
        lo, hi = c_float(lo), c_float(hi)
    else:
        lo, hi = quant.activation_range(act, y.dtype, y.quant.tensor_scale, y.quant.tensor_zero_point)
    n, h, w, c = x.shape
    return {
        "quantized": x.dtype != "float32", "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "N": n, "H": h, "W": w, "C": c, "OH": y.shape[1], "OW": y.shape[2],
        "FH": op.attrs["filter"][0], "FW": op.attrs["filter"][1],
        "SH": op.attrs["stride"][0], "SW": op.attrs["stride"][1],
        "PT": op.attrs["pad"][0], "PL": op.attrs["pad"][1], "act_min": lo, "act_max": hi,
        "count_include_pad": bool(op.attrs.get("count_include_pad")),
        "lowest": -32768 if x.dtype == "int16" else -128,  # max pool's start (int8, int16)
    }


# --- DSP kernels (templates/ops/average_pool2d_dsp.c.j2 and max_pool2d_dsp.c.j2): int8 with
# channels a multiple of 4, four channels per word load; same constants as the portable kernel.


def dsp_applies(op: Op, g: Graph) -> bool:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    return (x.dtype == y.dtype == "int8" and len(x.shape) == 4 and x.shape[3] % 4 == 0
            and op.attrs["filter"][1] <= 256)



KERNELS = (
    Kernel("portable", "ops/average_pool2d.c.j2", lower),
    Kernel("dsp", "ops/average_pool2d_dsp.c.j2", lower, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies),
) + mve_kernels(lower)
