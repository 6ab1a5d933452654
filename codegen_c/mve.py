"""Compile-time constants shared by the Helium (MVE) kernels (runtime_c aot_mve.h): weight rows
in blocks of 4 padded to whole 16-byte chunks, and the requantisation table (bias with the input
offset folded in, multiplier, left and right shifts per output channel) of aot_mve_rq, which is
TFLM's MultiplyByQuantizedMultiplier bit for bit. The kernels are declared in
codegen_c/ops/<op>_mve.py."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common
from codegen_c import dsp

MVE = frozenset({"mve"})  # the board feature the Helium kernels need
RUNTIME = ("aot_mve.h",)  # the runtime_c file their code calls
LANES = 16  # int8 lanes of a vector
ROWS = 4  # weight rows per block (the kernels' four sums)


def round_up(n: int, m: int) -> int:
    return (n + m - 1) // m * m


def int8_mve_ok(op: Op, g: Graph, product_in_float: bool = False) -> bool:
    """int8 input/output, symmetric int8 weights, shifts VRSHL/VSHL take (-31..31)."""
    x, w, y = (g.tensor(n) for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    if not (x.dtype == y.dtype == w.dtype == "int8") or np.any(np.asarray(w.quant.zero_point) != 0):
        return False
    shift = np.asarray(conv_common.output_stage(op, g, product_in_float).shift)
    return bool(np.all((shift >= -31) & (shift <= 30)))


def weight_blocks(w: np.ndarray) -> np.ndarray:
    """[rows, K] int8 -> int8 [rows/4 blocks][K16/16 chunks][4 rows][16]: zero rows to a
    multiple of 4, zeros to K16."""
    rows, k = w.shape
    padded = np.zeros((round_up(rows, ROWS), round_up(k, LANES)), dtype=np.int8)
    padded[:rows, :k] = w
    blocks = padded.reshape(-1, ROWS, padded.shape[1] // LANES, LANES).transpose(0, 2, 1, 3)
    return blocks.reshape(-1)


def rq_table(op: Op, g: Graph, w: np.ndarray, product_in_float: bool = False) -> np.ndarray:
    """int32 [blocks of 4 channels][bias, multiplier, left shift, -right shift][4] for the
    [rows, K] weights ``w``: the bias is bias + input_offset * row sum (int32, wrapping as the
    kernels' sums do); channels past the last are zeros."""
    rows = w.shape[0]
    stage = conv_common.output_stage(op, g, product_in_float)
    bias = dsp.wrap_int32(conv_common.bias_of(op, g, rows, np.int64) + stage.input_offset * w.astype(np.int64).sum(axis=1))
    shift = np.broadcast_to(np.asarray(stage.shift, dtype=np.int64), (rows,))
    mult = np.broadcast_to(np.asarray(stage.multiplier, dtype=np.int64), (rows,))
    fields = np.zeros((4, round_up(rows, ROWS)), dtype=np.int64)
    fields[:, :rows] = [bias, mult, np.maximum(shift, 0), np.minimum(shift, 0)]
    return fields.reshape(4, -1, ROWS).transpose(1, 0, 2).reshape(-1).astype(np.int32)


def rq_vars(index: int, op: Op, ctx, w: np.ndarray, product_in_float: bool = False) -> dict:
    """Template variables of the requantisation of sums over the [rows, K] weights ``w``: the
    table (rq_table), output offset, activation range, what the shifts need (aot_mve_rq_t), and
    the input zero point."""
    stage = conv_common.output_stage(op, ctx.graph, product_in_float)
    shift = np.asarray(stage.shift)
    return {
        "left": int(np.any(shift > 0)), "zero_right": int(np.any(shift >= 0)),
        "q": ctx.derived(index, "q_mve", rq_table(op, ctx.graph, w, product_in_float), "int32"),
        "out_off": stage.output_offset, "act_min": stage.act_min, "act_max": stage.act_max, "zp": -stage.input_offset,
    }


def matrix_vars(index: int, op: Op, ctx, w: np.ndarray, product_in_float: bool = False) -> dict:
    """Template variables of a matrix multiply by the [rows, K] weights ``w`` (aot_mve_mm)."""
    return {
        **rq_vars(index, op, ctx, w, product_in_float),
        "w": ctx.derived(index, "w_mve", weight_blocks(w), "int8"), "K": w.shape[1], "OC": w.shape[0],
    }


def window(op: Op, g: Graph) -> dict:
    """Shapes, strides, dilations and padding of a convolution's input, output and window."""
    n, h, wd, ic = g.tensor(op.inputs[0]).shape
    _, oh, ow, oc = g.tensor(op.outputs[0]).shape
    (sh, sw), (dh, dw), (pt, pl) = op.attrs["stride"], op.attrs["dilation"], op.attrs["pad"][:2]
    return {"N": n, "H": h, "W": wd, "IC": ic, "OH": oh, "OW": ow, "SH": sh, "SW": sw, "DH": dh, "DW": dw, "PT": pt, "PL": pl}
