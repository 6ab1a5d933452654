"""float32 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels for cores with a
single-precision FPU that fuses multiply-add (board feature "fpu": VFMA.F32 on Cortex-M4F/M7/M55).

Register blocking: a convolution's tile is OCB output channels x PX output pixels of float
accumulators (24 s-registers of the 32: 4 x 6, the most without spills), its weights pre-arranged at compile time in the order
the tile reads them ([block][ky][kx][ic][OCB], the last OC % OCB channels [ky][kx][ic][r]); a 1x1
stride-1 convolution (and a fully connected layer: batch rows as pixels) is a matrix multiply
over the flattened pixels; window rows are read straight from the input (no im2col). The output
columns whose taps all fall inside the input are tiles of PX pixels; each other column is a
tile of one pixel with its constant range of taps (``columns``), and the rows' range is
computed once per output row, so no tap is bounds-checked. Depthwise: channels are the inner
contiguous dimension, OCB channels x DW_PX pixels per tile, a window row's taps unrolled so that
the pixels' shared input values load once. Bias and the activation clamp are fused.

Rounding: every multiply-add is ``fmaf`` (one rounding per tap; VFMA on these cores, a libm call
on a host without FMA, which is why the kernels need the feature). The taps are summed in the
portable kernel's order (bias first, then ky, kx, ic), so the only difference from it is the
product's rounding: each output is within (K + 1) * 2^-24 * (|bias| + sum |x * w|) of the exact
sum, as the portable kernel's, K the taps per output (tests/ops/test_fpu_variants.py checks
it). The runner's float tolerance (aot/driver/runner.py: 1e-5 + 1e-4 * max |output|) covers
that worst case wherever (K + 1) * S <= 1,677 * max |output|, S = |bias| + sum |x * w|, and the
typical error (about sqrt(K) * 2^-24 * S) far beyond. Contraction (-ffp-contract) is left at
the compiler's default (off under -std=c99): fmaf says where fusing happens."""
from __future__ import annotations

import numpy as np

from aot.core import quant
from aot.core.ir import Graph, Op
from codegen_c.cfmt import c_float
from codegen_c.context import LoweringContext
from codegen_c.ops.output_stage import output_stage_vars

FPU = frozenset({"fpu"})  # the board feature: single-precision FPU with fused multiply-add
OCB = 4  # output channels per tile
FC_OCB = 8  # output channels per tile of a fully connected layer with one batch row (one pixel)
PX = 6  # output pixels per convolution tile (24 accumulators)
DW_PX = 4  # output pixels per depthwise tile
IN_PLACE_COPY_LIMIT = 1024  # bytes of input pixels a 1x1 convolution in place copies to the stack
DELAY_LIMIT = 2048  # bytes of outputs a depthwise convolution in place holds back on the stack


def float_ok(op: Op, g: Graph) -> bool:
    """float32 input, constant float32 weights, float32 output."""
    x, w, y = (g.tensor(n) for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    return x.dtype == w.dtype == y.dtype == "float32" and w.is_const


def blocked_rows(w: np.ndarray, ocb: int = OCB) -> np.ndarray:
    """[rows, K] -> the tile order: blocks of ocb rows as [K][ocb], then the rows % ocb left as [K][r]."""
    rows, k = w.shape
    full = rows // ocb * ocb
    head = w[:full].reshape(full // ocb, ocb, k).transpose(0, 2, 1).reshape(-1)
    return np.concatenate([head, w[full:].T.reshape(-1)]).astype(np.float32)


def interior(n_out: int, n_in: int, stride: int, pad: int, taps: int, dilation: int) -> tuple[int, int]:
    """[first, end) of the outputs whose taps all fall inside the input along one axis."""
    first = min(-(-pad // stride), n_out)
    last = n_in - 1 - (taps - 1) * dilation + pad  # stride * (the last such output), at most
    end = last // stride + 1 if last >= 0 else 0
    return first, min(max(end, first), n_out)


def columns(ow: int, wd: int, sw: int, pl: int, kw: int, dw: int, px: int) -> list[tuple[int, int, int, int, int]]:
    """The output columns as tiles, in the order the kernels run them: (first ox, tiles, pixels
    per tile, first kx, end kx). The columns whose taps all fall inside the input px at a time
    (the last few as one narrower tile); each other column alone, with the constant range of
    its taps that fall inside."""
    oxa, oxb = interior(ow, wd, sw, pl, kw, dw)

    def alone(ox: int) -> tuple[int, int, int, int, int]:
        inside = [k for k in range(kw) if 0 <= ox * sw - pl + k * dw < wd] or [0, -1]
        return ox, 1, 1, inside[0], inside[-1] + 1

    tiles, rest = divmod(oxb - oxa, px)
    return ([alone(ox) for ox in range(oxa)] + ([(oxa, tiles, px, 0, kw)] if tiles else [])
            + ([(oxa + tiles * px, 1, rest, 0, kw)] if rest else []) + [alone(ox) for ox in range(oxb, ow)])


def _geometry(op: Op, g: Graph, w_shape: tuple[int, ...], depthwise: bool = False) -> dict:
    n, h, wd, ic = g.tensor(op.inputs[0]).shape
    _, oh, ow, oc = g.tensor(op.outputs[0]).shape
    _, kh, kw, _ = w_shape
    (sh, sw), (dh, dw), (pt, pl) = op.attrs["stride"], op.attrs["dilation"], op.attrs["pad"][:2]
    if not depthwise and (kh, kw, sh, sw) == (1, 1, 1, 1) and not any(op.attrs["pad"]):  # a matrix multiply over all pixels
        n, h, wd, oh, ow = 1, 1, n * h * wd, 1, n * oh * ow
    return {"N": n, "H": h, "W": wd, "IC": ic, "OH": oh, "OW": ow, "OC": oc, "SH": sh, "SW": sw, "DH": dh, "DW": dw,
            "PT": pt, "PL": pl, "KH": kh, "KW": kw,
            **_columns_vars(ow, wd, sw, pl, kw, dw, DW_PX if depthwise else PX)}


def _columns_vars(ow: int, wd: int, sw: int, pl: int, kw: int, dw: int, px: int) -> dict:
    """``columns``, and ``live``: some column has a tap inside the input (else no row is read)."""
    cols = columns(ow, wd, sw, pl, kw, dw, px)
    return {"columns": cols, "live": any(kxb > kxa for *_, kxa, kxb in cols)}


def _clamp(op: Op) -> dict:
    """The activation's finite bounds as C literals (None: that side needs no test)."""
    lo, hi = quant.activation_range(op.attrs.get("activation", "NONE"), "float32", None, 0)
    return {"lo": c_float(lo) if np.isfinite(lo) else None, "hi": c_float(hi) if np.isfinite(hi) else None}


def _tile_vars(op: Op, oc: int, ocb: int = OCB) -> dict:
    return {"OCB": ocb, "NBLK": oc // ocb, "R": oc % ocb, **_clamp(op)}


def pointwise(op: Op, g: Graph) -> bool:
    """A 1x1 stride-1 unpadded convolution."""
    _, kh, kw, _ = g.tensor(op.inputs[1]).shape
    return (kh, kw) == (1, 1) and tuple(op.attrs["stride"]) == (1, 1) and not any(op.attrs["pad"])


# --- CONV_2D (and a depthwise convolution of one input channel, and FULLY_CONNECTED)


def conv_applies(op: Op, g: Graph) -> bool:
    """float32, one group."""
    return float_ok(op, g) and g.tensor(op.inputs[0]).shape[3] == g.tensor(op.inputs[1]).shape[3]


def conv_in_place(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 for a 1x1 stride-1 one-group convolution: each tile's input pixels are copied to
    the stack before its outputs are written (walking backward when outputs are wider)."""
    return (0,) if conv_applies(op, g) and pointwise(op, g) else ()


def lower_conv(index: int, op: Op, ctx: LoweringContext, knobs: dict, weights: np.ndarray | None = None) -> dict:
    g = ctx.graph
    w = g.tensor(op.inputs[1]).data if weights is None else weights
    oc = w.shape[0]
    geo = _geometry(op, g, w.shape)
    in_place = index in ctx.plan.in_place
    copy_px = PX if PX * geo["IC"] * 4 <= IN_PLACE_COPY_LIMIT else 1
    return {
        **output_stage_vars(index, op, ctx), **geo, **_tile_vars(op, oc),
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_fpu", blocked_rows(np.asarray(w, dtype=np.float32).reshape(oc, -1)), "float32"),
        "K": int(np.prod(w.shape[1:])),
        "in_place": in_place, "backward": bool(in_place and oc > geo["IC"]), "CPX": copy_px,
    }


def fc_applies(op: Op, g: Graph) -> bool:
    return float_ok(op, g)


def lower_fc(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    """A matrix multiply: the batch rows are the pixels, the weight rows the output channels (one
    batch row: FC_OCB rows per tile, as each weight is used once)."""
    g = ctx.graph
    n, k = g.tensor(op.inputs[1]).shape
    b = g.tensor(op.inputs[0]).size // k
    w = np.asarray(g.tensor(op.inputs[1]).data, dtype=np.float32)
    ocb = FC_OCB if b == 1 else OCB
    geo = {"N": 1, "H": 1, "W": b, "IC": k, "OH": 1, "OW": b, "OC": n, "SH": 1, "SW": 1, "DH": 1, "DW": 1,
           "PT": 0, "PL": 0, "KH": 1, "KW": 1, **_columns_vars(b, b, 1, 0, 1, 1, PX)}
    return {
        **output_stage_vars(index, op, ctx), **geo, **_tile_vars(op, n, ocb),
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "w": ctx.derived(index, "w_fpu", blocked_rows(w, ocb), "float32"), "K": k,
        "in_place": False,
    }


# --- DEPTHWISE_CONV_2D


def _dw_as_conv(op: Op, g: Graph) -> bool:
    return g.tensor(op.inputs[0]).shape[3] == 1


def depthwise_applies(op: Op, g: Graph) -> bool:
    """float32, depth multiplier 1 (or one input channel: a convolution)."""
    return float_ok(op, g) and (op.attrs["depth_multiplier"] == 1 or _dw_as_conv(op, g))


def depthwise_order(op: Op, g: Graph) -> list[list[tuple[int, int, int]]]:
    """The tiles in the order the kernel runs them, each a list of its output pixels (n, oy, ox)."""
    n, _, _, _ = g.tensor(op.inputs[0]).shape
    _, oh, _, _ = g.tensor(op.outputs[0]).shape
    _, wd = g.tensor(op.inputs[0]).shape[1:3]
    cols = columns(g.tensor(op.outputs[0]).shape[2], wd, op.attrs["stride"][1], op.attrs["pad"][1], g.tensor(op.inputs[1]).shape[2],
                   op.attrs["dilation"][1], DW_PX)
    return [[(b, oy, ox0 + t * px + i) for i in range(px)]
            for b in range(n) for oy in range(oh) for ox0, tiles, px, _, _ in cols for t in range(tiles)]


def write_delay(op: Op, g: Graph) -> int:
    """How many outputs the depthwise kernel must hold back, run in place over its input: output
    pixel q (channel c) takes input pixel q's place (channel c) and each channel reads only its
    own, so output q may be stored once no later tile reads input pixel q. After the tile that
    ends at output e, the outputs up to e - delay are stored (a tile reads all its inputs before
    its outputs are stored); 0: each tile stores its outputs at once (stride 2 without top/left
    padding), else the others wait in a ring of delay + DW_PX pixels (about one input row: stride 1
    with padding)."""
    _, h, wd, _ = g.tensor(op.inputs[0]).shape
    _, oh, ow, _ = g.tensor(op.outputs[0]).shape
    _, kh, kw, _ = g.tensor(op.inputs[1]).shape
    (sh, sw), (dh, dw), (pt, pl) = op.attrs["stride"], op.attrs["dilation"], op.attrs["pad"][:2]

    def first_read(b: int, oy: int, ox: int) -> int | None:
        iy = [oy * sh - pt + k * dh for k in range(kh) if 0 <= oy * sh - pt + k * dh < h]
        ix = [ox * sw - pl + k * dw for k in range(kw) if 0 <= ox * sw - pl + k * dw < wd]
        return (b * h + iy[0]) * wd + ix[0] if iy and ix else None

    tiles = depthwise_order(op, g)
    reads = [min((r for r in map(lambda p: first_read(*p), t) if r is not None), default=1 << 62) for t in tiles]
    ends = [(b * oh + oy) * ow + ox for b, oy, ox in (t[-1] for t in tiles)]
    delay, later = 0, 1 << 62  # the first input pixel any later tile reads
    for end, read in zip(reversed(ends), reversed(reads)):
        delay = max(delay, end - later + 1)
        later = min(later, read)
    return delay


def depthwise_in_place(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 (depth multiplier 1) when the outputs held back (write_delay) fit the stack."""
    if _dw_as_conv(op, g) or not depthwise_applies(op, g):
        return ()
    return (0,) if (write_delay(op, g) + DW_PX) * OCB * 4 <= DELAY_LIMIT else ()


def lower_depthwise(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    w = g.tensor(op.inputs[1]).data
    if _dw_as_conv(op, g):
        return {**lower_conv(index, op, ctx, knobs, weights=np.transpose(w, (3, 1, 2, 0))), "as_conv": True}
    c = g.tensor(op.inputs[0]).shape[3]
    delay = write_delay(op, g) if index in ctx.plan.in_place else 0
    return {
        **output_stage_vars(index, op, ctx), **_geometry(op, g, w.shape, depthwise=True), **_tile_vars(op, c),
        "as_conv": False, "C": c, "DELAY": delay, "RING": delay + DW_PX if delay else 0,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True), "w": ctx.ptr(op.inputs[1]),
    }
