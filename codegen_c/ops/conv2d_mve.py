"""CONV_2D for cores with Helium (conv2d_mve.c.j2): one group, int8; a matrix multiply of the
weights by one int8 column per output pixel (aot_mve_mm in aot_mve.h): a 1x1 unpadded
convolution reads its input pixels in place (copied first when it runs in place), any other
copies each window into an int8 column (aot_mve_im2col, the input zero point in the padding) as
CMSIS-NN's arm_convolve_s8 for MVE; the input offset folded into the bias. Knob cols=0: the
column on the stack instead of the scratch buffer, where it fits STACK_LIMIT. The same kernel
runs a depthwise convolution with one input channel and a depth multiplier (as_conv_applies;
codegen_c/ops/depthwise_conv2d_mve.py's kernel hands such ops to this module): a convolution with
IC = 1, its weights transposed. float32: the MVE-F kernel "mvef" (codegen_c/mvef.py)."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from codegen_c import fpu, mve, mvef
from codegen_c.context import LoweringContext
from codegen_c.kernel import Kernel


def _shape(op: Op, g: Graph) -> tuple[int, int, int, int]:
    """(OC, KH, KW, IC) of the weights as a convolution's (a depthwise one's: IC = 1)."""
    w = g.tensor(op.inputs[1]).shape
    return (w[3], w[1], w[2], 1) if op.kind == "depthwise_conv2d" else tuple(w)  # type: ignore[return-value]


def _weights(op: Op, g: Graph) -> np.ndarray:
    """The OHWI int8 weights (a depthwise convolution's [1, KH, KW, OC] transposed)."""
    w = g.tensor(op.inputs[1]).data.astype(np.int8)
    return np.transpose(w, (3, 1, 2, 0)) if op.kind == "depthwise_conv2d" else w


def _in_place_form(op: Op, g: Graph) -> bool:
    """A 1x1 stride-1 unpadded convolution: it may run in place (as conv2d.pointwise says)."""
    return _direct(op, g) and tuple(op.attrs["stride"]) == (1, 1)


def _overwrites(op: Op, g: Graph) -> tuple[int, ...]:
    return (0,) if _in_place_form(op, g) and applies(op, g) else ()


def _direct(op: Op, g: Graph) -> bool:
    """A 1x1 unpadded window (any stride): each column is an input pixel read in place."""
    _, kh, kw, _ = _shape(op, g)
    return (kh, kw) == (1, 1) and not any(op.attrs["pad"])


def applies(op: Op, g: Graph) -> bool:
    return g.tensor(op.inputs[0]).shape[3] == g.tensor(op.inputs[1]).shape[3] and mve.int8_mve_ok(op, g)


def as_conv_applies(op: Op, g: Graph) -> bool:
    """A depthwise convolution of one input channel with a depth multiplier above 1."""
    return g.tensor(op.inputs[0]).shape[3] == 1 and op.attrs["depth_multiplier"] > 1 and mve.int8_mve_ok(op, g)


STACK_LIMIT = 512  # bytes of column the cols=0 knob may keep on the stack


def _column(op: Op, g: Graph) -> int:
    """Bytes of a column: K = KH * KW * IC rounded up to 16."""
    _, kh, kw, ic = _shape(op, g)
    return mve.round_up(kh * kw * ic, mve.LANES)


def knobs(op: Op, g: Graph) -> list:
    """Default, then cols=0 (the column on the stack) where it fits STACK_LIMIT and there is one."""
    needs = not _direct(op, g) or _in_place_form(op, g)
    return [(), (("cols", 0),)] if needs and _column(op, g) <= STACK_LIMIT else [()]


def scratch(op: Op, g: Graph, knobs: dict) -> int:
    """An int8 column of K16 bytes: the window, or a 1x1 convolution's input pixel when it runs in
    place; none for a 1x1 unpadded one that does not, or with cols=0."""
    if (_direct(op, g) and not _in_place_form(op, g)) or knobs.get("cols") == 0:
        return 0
    return _column(op, g)


def lower(index: int, op: Op, ctx: LoweringContext, knobs: dict) -> dict:
    g = ctx.graph
    w = _weights(op, g)
    oc, kh, kw, ic = w.shape
    in_place = index in ctx.plan.in_place
    direct = _direct(op, g)
    return {
        **mve.matrix_vars(index, op, ctx, w.reshape(oc, -1)), **mve.window(op, g), "KH": kh, "KW": kw,
        "K16": _column(op, g), "stack": knobs.get("cols") == 0,
        "x": ctx.ptr(op.inputs[0]), "y": ctx.ptr(op.outputs[0], writable=True),
        "pointwise": _in_place_form(op, g), "copy": in_place or not direct,
        "in_place": in_place, "backward": bool(in_place and oc > ic),
    }


MVE_KERNELS = (
    Kernel("mve", "ops/conv2d_mve.c.j2", lower, features=mve.MVE, runtime=mve.RUNTIME, applies=applies, scratch=scratch,
           overwrites=_overwrites, knobs=knobs),
    Kernel("mvef", "ops/conv2d_mvef.c.j2", mvef.lower_conv, features=mvef.MVEF, runtime=mvef.RUNTIME, applies=fpu.conv_applies,
           overwrites=mvef.conv_in_place),
)
