"""DEPTHWISE_CONV_2D for cores with Helium (depthwise_conv2d_mve.c.j2, aot_mve_dw in aot_mve.h),
depth multiplier 1, int8, at most 16 taps: the window of an output (pixel, channel) is the 16
lanes of one gather from a ring of input rows (channel-major, the input zero point in the
padding, so that with the input offset folded into the bias the padding adds nothing), and one
VMLADAVA with the channel's taps; requantisation in vector form, four channels at a time.

The ring holds ``rows`` = (KH - 1) * DH + 1 input rows per channel, each ``rw`` pixels wide
(left padding, the input row, the right padding the windows reach); a tap's offset in it must fit
the gather's 8-bit offsets. Output row oy is written once the input rows up to its window's last
are in the ring, so the op may run in place where no output row reaches input rows not yet read
(``in_place_ok``; a pass over some of the channels only writes over those channels' inputs).

With one input channel and a depth multiplier the op is a convolution: each function below hands
it to codegen_c/ops/conv2d_mve.py (the template includes conv2d_mve.c.j2). float32: the MVE-F
kernel "mvef" (codegen_c/mvef.py)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from codegen_c import mve, mvef
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel
from codegen_c.ops import conv2d_mve


def _geometry(op: Op, g: Graph) -> dict:
    """Window, strides, padding and the ring's rows and row width."""
    _, kh, kw, _ = g.tensor(op.inputs[1]).shape
    (sh, sw), (dh, dw), (pt, pl) = op.attrs["stride"], op.attrs["dilation"], op.attrs["pad"][:2]
    _, h, wd, c = g.tensor(op.inputs[0]).shape
    _, oh, ow, _ = g.tensor(op.outputs[0]).shape
    reach = (ow - 1) * sw + (kw - 1) * dw + 1
    return {"H": h, "W": wd, "C": c, "OH": oh, "OW": ow, "KH": kh, "KW": kw, "SH": sh, "SW": sw, "DH": dh, "DW": dw,
            "PT": pt, "PL": pl, "ROWS": (kh - 1) * dh + 1, "RW": pl + wd + max(0, reach - pl - wd)}


def applies(op: Op, g: Graph) -> bool:
    """Depth multiplier 1, int8, a window of at most 16 taps whose ring offsets fit 8 bits (or one
    input channel with a multiplier: a convolution)."""
    if conv2d_mve.as_conv_applies(op, g):
        return True
    if op.attrs["depth_multiplier"] != 1 or g.tensor(op.inputs[0]).shape[3] != g.tensor(op.outputs[0]).shape[3]:
        return False
    geo = _geometry(op, g)
    if geo["KH"] * geo["KW"] > mve.LANES or (geo["ROWS"] - 1) * geo["RW"] + (geo["KW"] - 1) * geo["DW"] > 255:
        return False
    return mve.int8_mve_ok(op, g)


def in_place_ok(op: Op, g: Graph) -> tuple[int, ...]:
    """Input 0 when one image and every output row ends before the first input row it has not
    read yet (those up to its window's last are in the ring by then)."""
    if g.tensor(op.inputs[0]).shape[0] != 1 or not applies(op, g) or conv2d_mve.as_conv_applies(op, g):
        return ()
    geo = _geometry(op, g)
    for oy in range(geo["OH"]):
        read = oy * geo["SH"] - geo["PT"] + geo["ROWS"]  # input rows [0, read) are in the ring
        if read < geo["H"] and (oy + 1) * geo["OW"] > read * geo["W"]:
            return ()
    return (0,)


def _blocks(op: Op, g: Graph, knobs: dict) -> int:
    """Blocks of 4 channels per pass over the rows: the knob ``blocks`` (fewer: a smaller ring,
    more passes), else all."""
    total = -(-g.tensor(op.inputs[0]).shape[3] // 4)
    return max(1, min(total, int(knobs.get("blocks", total))))


def knobs(op: Op, g: Graph) -> list:
    """Default (all channels a pass), then half as many blocks each time, down to one."""
    if conv2d_mve.as_conv_applies(op, g):
        return conv2d_mve.knobs(op, g)
    out: list = [()]
    n = -(-g.tensor(op.inputs[0]).shape[3] // 4) // 2
    while n >= 1:
        out.append((("blocks", n),))
        n //= 2
    return out


def scratch(op: Op, g: Graph, knobs: dict) -> int:
    """The ring: rows x rw bytes for each channel of a pass, and the planes a last block of 1..3
    channels reads past them (their lanes discarded)."""
    if conv2d_mve.as_conv_applies(op, g):
        return conv2d_mve.scratch(op, g, knobs)
    geo = _geometry(op, g)
    return mve.round_up(min(geo["C"], 4 * _blocks(op, g, knobs)), 4) * geo["ROWS"] * geo["RW"]


def tap_offsets(geo: dict) -> np.ndarray:
    """uint8 [rows][16]: the offset of tap (ky, kx) in a channel's ring when the window's top row
    is in slot r (slot of row iy: iy mod rows); zeros past the taps."""
    out = np.zeros((geo["ROWS"], mve.LANES), dtype=np.uint8)
    for r in range(geo["ROWS"]):
        for ky in range(geo["KH"]):
            for kx in range(geo["KW"]):
                out[r, ky * geo["KW"] + kx] = (r + ky * geo["DH"]) % geo["ROWS"] * geo["RW"] + kx * geo["DW"]
    return out


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    if conv2d_mve.as_conv_applies(op, g):
        return {**conv2d_mve.lower(index, op, ctx, knobs), "as_conv": True}
    geo = _geometry(op, g)
    taps = g.tensor(op.inputs[1]).data.astype(np.int8).reshape(-1, geo["C"]).T  # [C, KH * KW]
    lanes = np.zeros((mve.round_up(geo["C"], 4), mve.LANES), dtype=np.int8)
    lanes[: geo["C"], : taps.shape[1]] = taps
    return {
        **geo, **mve.rq_vars(index, op, ctx, taps), "N": g.tensor(op.inputs[0]).shape[0], "as_conv": False,
        "CB": 4 * _blocks(op, g, knobs),
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "taps": ctx.derived(index, "taps_mve", tap_offsets(geo), "uint8"),
        "lanes": ctx.derived(index, "lanes_mve", lanes.reshape(-1), "int8"),
    }


MVE_KERNELS = (
    Kernel("mve", "ops/depthwise_conv2d_mve.c.j2", lower, features=mve.MVE, runtime=mve.RUNTIME, applies=applies,
           scratch=scratch, overwrites=in_place_ok, knobs=knobs),
    Kernel("mvef", "ops/conv2d_mvef.c.j2", mvef.lower_depthwise, features=mvef.MVEF, runtime=mvef.RUNTIME,
           applies=mvef.depthwise_applies, overwrites=mvef.dw_in_place),
)
