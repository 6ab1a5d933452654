from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from aot.ops import add
from codegen_c import dsp
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.nd import affine, broadcast_strides
from codegen_c.ops.add_mve import mve_kernels


def broadcast_vars(op: Op, ctx: LoweringContext) -> dict:
    """Pointers and index expressions of a two-input broadcasting op (add, binary)."""
    g = ctx.graph
    a, b, y = g.tensor(op.inputs[0]), g.tensor(op.inputs[1]), g.tensor(op.outputs[0])
    assert np.broadcast_shapes(a.shape, b.shape) == y.shape
    return {
        "a": ctx.ptr(op.inputs[0]), "b": ctx.ptr(op.inputs[1]), "y": ctx.ptr(op.outputs[0], writable=True),
        "size": y.size, "same_shape": a.shape == b.shape == y.shape, "dims": list(y.shape),
        "ia": affine(broadcast_strides(a.shape, y.shape)), "ib": affine(broadcast_strides(b.shape, y.shape)),
    }


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    a = g.tensor(op.inputs[0])
    v = {**broadcast_vars(op, ctx), "quantized": a.dtype != "float32"}
    if a.dtype == "float32":
        lo, hi = quant.activation_range(op.attrs.get("activation", "NONE"), "float32", None, 0)
        v.update(act_min=c_float(lo), act_max=c_float(hi))
    else:
        v["p"] = add.params(op, g)
    return v


# --- DSP variant (templates/ops/add_dsp.c.j2), same-shape int8 inputs: four elements per word
# load. TFLite rescales both inputs to 2^20 fixed point; the input with the larger scale gets
# the multiplier 1/2 exactly, so its term is (v + offset) << 19, and the other input's term is
# one of 256 values. The constants fold at compile time, checked over all 65536 input pairs:
# - "sum" (both scales equal, zero points may differ): the output depends on a + b only, a
#   511-byte table of the whole add (requantisation and clamp included), SXTAB16 sums two
#   pairs per instruction;
# - "mm": acc = table[a] (the scaled term plus the other input's offset, both times 2^k, k as
#   large as int32 allows) + (b << (19 + k)); out = SSAT(SMMLA(acc, m, c) >> sh) with the
#   rounding and the output offset in c, chosen so that every pair gives the reference;
# - else "rq": acc as "mm" with k = 0, then aot_rq (one rounding, output offset folded) where
#   that equals the two roundings for every pair, else "mbqm": TFLite's aot_mbqm.


@dataclass(frozen=True)
class DspAdd:
    mode: str  # "sum" | "mm" | "rq" | "mbqm"
    swap: bool  # the table belongs to input 2 (input 1 is the linear one)
    table: np.ndarray  # int8 [511] ("sum") or int32 [256] indexed by the table input's byte
    bshift: int = 0  # the linear input's shift
    rq: tuple = ()  # "mm": (m, c, sh); "rq": aot_rq_t {m, sh, klo, khi}
    out_add: int = 0  # "rq": offset added after aot_rq when it could not be folded


MODES = ("sum", "mm", "rq", "mbqm")  # tried in this order (tests narrow it to reach the others)


def same_shape_inputs(op: Op, g: Graph) -> tuple[int, ...]:
    """The inputs of the output's shape and type: element i of both inputs is read before
    element i of the output is written (the DSP kernel: words of 4 elements), so the output
    may overwrite either."""
    y = g.tensor(op.outputs[0])
    return tuple(k for k in (0, 1) if g.tensor(op.inputs[k]).shape == y.shape and g.tensor(op.inputs[k]).dtype == y.dtype)


def dsp_applies(op: Op, g: Graph) -> bool:
    """Same-shape int8 inputs whose constants fold (dsp_add)."""
    a, b, y = (g.tensor(n) for n in (*op.inputs[:2], op.outputs[0]))
    return (a.dtype == b.dtype == y.dtype == "int8" and a.shape == b.shape == y.shape
            and all(t.quant is not None and t.quant.per_tensor for t in (a, b, y)) and dsp_add(op, g) is not None)


def dsp_add(op: Op, g: Graph) -> DspAdd | None:
    """The folded constants of the DSP add, None if no fold reproduces the reference exactly."""
    return _dsp_add(add.params(op, g), MODES)


def _mm(acc: np.ndarray, want: np.ndarray, p: add.AddParams) -> tuple[int, int, int] | None:
    """(k, c, sh) such that clamp(((acc << k) * m >> 32) + c) >> sh) == want for every pair."""
    m, e = p.output_multiplier, -p.output_shift
    if not (0 < m < (1 << 31)) or e < 1:
        return None
    k = 0
    while int(np.abs(acc).max()) << (k + 1) < (1 << 30):
        k += 1
    sh = e - 1 + k
    if not 1 <= sh <= 31 or 128 << (add.LEFT_SHIFT - 1 + k) >= 1 << 31:
        return None
    base = ((acc << k) * m) >> 32
    c0 = (p.output_offset << sh) + (1 << (sh - 1))
    for d in sorted(range(-64, 65), key=abs):
        c = c0 + d
        r = base + c
        if r.min() < -(1 << 31) or r.max() >= 1 << 31:
            continue
        if np.array_equal(np.clip(r >> sh, p.act_min, p.act_max), want):
            return k, c, sh
    return None


@functools.lru_cache(maxsize=64)
def _dsp_add(p: add.AddParams, modes: tuple[str, ...]) -> DspAdd | None:
    v = np.arange(-128, 128, dtype=np.int64)
    sa, sb = add.rescaled(v, v, p)
    half = add.LEFT_SHIFT - 1
    lin_a = bool(np.array_equal(sa, (v + p.input1_offset) << half))
    lin_b = bool(np.array_equal(sb, (v + p.input2_offset) << half))
    acc = sa[:, None] + sb[None, :]  # [a, b]
    want = np.clip(quant.mbqm(acc, p.output_multiplier, p.output_shift) + p.output_offset, p.act_min, p.act_max)
    if lin_a and lin_b and "sum" in modes:
        s = np.arange(-256, 255)
        ia = np.clip(s + 128, 0, 255)  # one pair (a, b) with a + b = s: a = s clipped to int8
        ib = s - (ia - 128) + 128
        table = want[ia, ib]
        if np.array_equal(table[v[:, None] + v[None, :] + 256], want):
            return DspAdd("sum", False, table.astype(np.int8))
    if not (lin_a or lin_b):
        return None
    swap = not lin_b  # the linear input is the one shifted in the kernel
    if swap:
        table, acc, want = sb + (p.input1_offset << half), acc.T, want.T
    else:
        table = sa + (p.input2_offset << half)
    # now acc[t, l] = table[t] + (l << half), want[t, l]: t the table input, l the linear one
    assert np.array_equal(table[:, None] + (v[None, :] << half), acc), "folded add terms differ"

    def byte_order(t):  # indexed by the byte (value & 0xFF): values 0..127, then -128..-1
        return np.concatenate([t[128:], t[:128]]).astype(np.int32)

    mm = _mm(acc, want, p) if "mm" in modes else None
    if mm is not None:
        k, c, sh = mm
        return DspAdd("mm", swap, byte_order(table << k), half + k, (p.output_multiplier, c, sh))
    m, shift = p.output_multiplier, p.output_shift
    if "rq" in modes and m > (1 << 30) and -31 <= shift <= -1:
        fold = dsp.folds_offset(np.array([shift]), np.array([m]))
        row = np.array(dsp.rq_row(m, shift, p.output_offset if fold else 0), dtype=np.int64)
        got = dsp.rq_apply(acc, row.astype(np.int32), np.zeros(acc.shape, dtype=np.int64))
        got = np.clip(got + (0 if fold else p.output_offset), p.act_min, p.act_max)
        if np.array_equal(got, want):
            return DspAdd("rq", swap, byte_order(table), half, tuple(int(x) for x in row.astype(np.int32)),
                          0 if fold else p.output_offset)
    return DspAdd("mbqm", swap, byte_order(table), half)


def lower_dsp(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    d = dsp_add(op, g)
    p = add.params(op, g)
    a, b = ctx.ptr(op.inputs[0]), ctx.ptr(op.inputs[1])
    if d.swap:
        a, b = b, a
    return {
        "a": a, "b": b, "y": ctx.ptr(op.outputs[0], writable=True), "size": g.tensor(op.outputs[0]).size,
        "mode": d.mode, "table": ctx.derived(index, "add_table", d.table, "int8" if d.mode == "sum" else "int32"),
        "rq": list(d.rq), "out_add": d.out_add, "bshift": d.bshift, "p": p,
        "full_range": p.act_min == -128 and p.act_max == 127,
    }


KERNELS = (
    Kernel("portable", "ops/add.c.j2", lower, overwrites=same_shape_inputs),
    Kernel("dsp", "ops/add_dsp.c.j2", lower_dsp, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies, overwrites=same_shape_inputs),
) + mve_kernels(dsp_applies, dsp_add, same_shape_inputs)
