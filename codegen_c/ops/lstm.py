"""UNIDIRECTIONAL_SEQUENCE_LSTM kernel (templates/ops/lstm.c.j2): per batch row and time step,
each unit's four gates (input weights then recurrent weights, one row each), its cell and its
hidden value, written straight into the output; the next step reads the previous step's output
row as its hidden state, and the last one is copied back into the output state. The four gates'
weights are one [4S, I] and one [4S, S] array; int8 folds the input and hidden offsets into the
biases at compile time (bias + offset * row sum)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Op
from aot.ops import lstm
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    x = g.tensor(op.inputs[lstm.X])
    units, n_in = g.tensor(op.inputs[lstm.W_IN]).shape
    w_in = np.concatenate([g.tensor(op.inputs[lstm.W_IN + k]).data for k in range(4)])
    w_rec = np.concatenate([g.tensor(op.inputs[lstm.W_REC + k]).data for k in range(4)])
    bias = np.concatenate([g.tensor(op.inputs[lstm.BIAS + k]).data for k in range(4)])
    batch = g.tensor(op.inputs[lstm.H_STATE]).size // units
    v = {
        "quantized": x.dtype == "int8", "time_major": op.attrs["time_major"],
        "steps": x.size // n_in // batch, "B": batch, "I": n_in, "S": units,
        "x": ctx.ptr(op.inputs[lstm.X]), "y": ctx.ptr(op.outputs[0], writable=True),
        "h": ctx.ptr(op.inputs[lstm.H_STATE], writable=True), "c": ctx.ptr(op.inputs[lstm.C_STATE], writable=True),
    }
    dtype = "int8" if v["quantized"] else "float32"
    v["w_in"] = ctx.derived(index, "w_in", w_in, dtype)
    v["w_rec"] = ctx.derived(index, "w_rec", w_rec, dtype)
    if not v["quantized"]:
        clip = op.attrs["cell_clip"]
        v["bias"] = ctx.derived(index, "bias", bias, "float32")
        v["clip"] = c_float(clip) if clip > 0 else None
        return v
    p = lstm.params(op, g)
    rows_in = w_in.astype(np.int64).sum(axis=1)
    rows_rec = w_rec.astype(np.int64).sum(axis=1)
    v["bias_in"] = ctx.derived(index, "bias_in", bias.astype(np.int64) + p.x_offset * rows_in, "int32")
    v["bias_rec"] = ctx.derived(index, "bias_rec", p.h_offset * rows_rec, "int32")
    cell_mult, cell_shift = lstm.tanh_shift_explicit(*p.cell_tanh)
    v.update(gate_in=p.gate_in, gate_rec=p.gate_rec, forget_mul=p.forget_mul, input_mul=p.input_mul,
             hidden_mul=p.hidden_mul, h_zp=p.h_zero_point, clip=p.cell_clip,
             cell_mult=cell_mult, cell_shift=cell_shift, table=", ".join(str(t) for t in lstm.SIGMOID_TABLE))
    return v


KERNELS = (Kernel("portable", "ops/lstm.c.j2", lower),)
