"""UNIDIRECTIONAL_SEQUENCE_LSTM kernels: portable (templates/ops/lstm.c.j2) and, int8, DSP
(lstm_dsp.c.j2). Per batch row and time step, each unit's four gates (input weights then
recurrent weights), its cell and its hidden value, written straight into the output; the next
step reads the previous step's output row as its hidden state, and the last one is copied back
into the output state. The four gates' weights are one [4S, I] and one [4S, S] array (DSP: unit
by unit, the four rows' int16 pairs interleaved); int8 folds the input and hidden offsets into
the biases at compile time (bias + offset * row sum)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import lstm
from codegen_c import dsp
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def _gate_arrays(op: Op, g: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The input weights [4, S, I], recurrent weights [4, S, S] and biases [4, S], gate by gate."""
    def stack(first: int) -> np.ndarray:
        return np.stack([g.tensor(op.inputs[first + k]).data for k in range(4)])
    return stack(lstm.W_IN), stack(lstm.W_REC), stack(lstm.BIAS)


def sigmoid_table(ctx: LoweringContext) -> str:
    """TFLite's sigmoid_table_uint16 as an int16 constant: one copy per model, under the name the
    int16 LOGISTIC / TANH kernels give it too."""
    table = np.array(lstm.SIGMOID_TABLE, dtype=np.uint16).view(np.int16)
    return ctx.weight("int16_unary.sigmoid_table", table, "int16")


def _multipliers(p: lstm.Params) -> dict[str, tuple[int, int]]:
    return {**{f"in{k}": p.gate_in[k] for k in range(4)}, **{f"rec{k}": p.gate_rec[k] for k in range(4)},
            "forget_mul": p.forget_mul, "input_mul": p.input_mul, "hidden_mul": p.hidden_mul}


def _common(op: Op, ctx: LoweringContext) -> dict:
    g = ctx.graph
    x = g.tensor(op.inputs[lstm.X])
    units, n_in = g.tensor(op.inputs[lstm.W_IN]).shape
    batch = g.tensor(op.inputs[lstm.H_STATE]).size // units
    v = {
        "quantized": x.dtype == "int8", "time_major": op.attrs["time_major"],
        "steps": x.size // n_in // batch, "B": batch, "I": n_in, "S": units,
        "x": ctx.ptr(op.inputs[lstm.X]), "y": ctx.ptr(op.outputs[0], writable=True),
        "h": ctx.ptr(op.inputs[lstm.H_STATE], writable=True), "c": ctx.ptr(op.inputs[lstm.C_STATE], writable=True),
    }
    if v["quantized"]:
        p = lstm.params(op, g)
        v.update(h_zp=p.h_zero_point, clip=p.cell_clip, cell_tanh=p.cell_tanh, gate_tanh=lstm.tanh_scaling(-12),
                 table=sigmoid_table(ctx), mul=_multipliers(p))
    return v


def _folded_biases(op: Op, g: Graph, w_in: np.ndarray, w_rec: np.ndarray, bias: np.ndarray):
    """bias + input offset * input row sum, and hidden offset * recurrent row sum ([4, S] each,
    wrapped to int32 as the kernels' accumulators wrap them)."""
    p = lstm.params(op, g)
    return (dsp.wrap_int32(bias.astype(np.int64) + p.x_offset * w_in.astype(np.int64).sum(axis=2)),
            dsp.wrap_int32(p.h_offset * w_rec.astype(np.int64).sum(axis=2)))


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    v = _common(op, ctx)
    w_in, w_rec, bias = _gate_arrays(op, ctx.graph)
    dtype = "int8" if v["quantized"] else "float32"
    v["w_in"] = ctx.derived(index, "w_in", w_in, dtype)
    v["w_rec"] = ctx.derived(index, "w_rec", w_rec, dtype)
    if v["quantized"]:
        bias_in, bias_rec = _folded_biases(op, ctx.graph, w_in, w_rec, bias)
        v["bias_in"] = ctx.derived(index, "bias_in", bias_in, "int32")
        v["bias_rec"] = ctx.derived(index, "bias_rec", bias_rec, "int32")
    else:
        clip = op.attrs["cell_clip"]
        v["bias"] = ctx.derived(index, "bias", bias, "float32")
        v["clip"] = c_float(clip) if clip > 0 else None
    return v


def dsp_weights(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[4, S, K] int8 -> (int32 words [S, K // 4, 4, 2]: per unit, per group of 4 inputs, per gate
    the int16 pairs (w0, w2) and (w1, w3); int8 [S, 4, K % 4]: the last K % 4 inputs' weights)."""
    gates, units, k = w.shape
    body = w[:, :, :k - k % 4].astype(np.int64).reshape(gates, units, k // 4, 4)
    lo, hi = body[..., [0, 1]], body[..., [2, 3]]  # word 0 pairs w0 with w2, word 1 w1 with w3
    words = (lo & 0xFFFF) | (hi << 16)
    words = dsp.wrap_int32(words.transpose(1, 2, 0, 3))  # [S, K // 4, 4 gates, 2 words]
    return words.reshape(-1), w[:, :, k - k % 4:].transpose(1, 0, 2).reshape(-1)


def requant_expr(mult: int, shift: int) -> str:
    """C of the requantisation of '@' by (mult, shift): aot_rq's one rounding where it equals
    TFLM's two (codegen_c/dsp.py fast_requant's condition), else aot_mbqm."""
    if mult == 0 or (-31 <= shift <= -1 and mult > 1 << 30):
        m, sh, klo, khi = dsp.rq_row(mult, shift, 0)
        return f"aot_rq(@, &(const aot_rq_t){{{m}, {sh}, {klo & 0xFFFFFFFF}u, {khi}}})"
    return f"aot_mbqm(@, {mult}, {shift})"


def dsp_applies(op: Op, g: Graph) -> bool:
    return g.tensor(op.inputs[lstm.X]).dtype == "int8"


def lower_dsp(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    v = _common(op, ctx)
    w_in, w_rec, bias = _gate_arrays(op, ctx.graph)
    bias_in, bias_rec = _folded_biases(op, ctx.graph, w_in, w_rec, bias)
    for name, w, b in (("in", w_in, bias_in), ("rec", w_rec, bias_rec)):
        words, tail = dsp_weights(w)
        v[f"w_{name}"] = ctx.derived(index, f"w_{name}_dsp", words, "int32") if words.size else None
        v[f"tail_{name}"] = ctx.derived(index, f"tail_{name}", tail, "int8") if tail.size else None
        v[f"bias_{name}"] = ctx.derived(index, f"bias_{name}_units", b.T.reshape(-1), "int32")
    v["requant"] = {name: requant_expr(m, s) for name, (m, s) in v["mul"].items()}
    return v


KERNELS = (
    Kernel("portable", "ops/lstm.c.j2", lower),
    Kernel("dsp", "ops/lstm_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies),
)
