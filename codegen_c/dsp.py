"""Compile-time constants shared by the DSP kernels (SMLAD/SXTB16, runtime_c aot_dsp.h): weight
packing, the one-rounding requantisation table aot_rq_t, and when that table equals TFLite's
two roundings. The kernels themselves are declared in codegen_c/ops/<op>.py."""
from __future__ import annotations

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common

DSP = frozenset({"dsp"})  # the board feature the DSP kernels need
RUNTIME = ("aot_dsp.h", "aot_dsp.c")  # the runtime_c files their code calls


def round_up4(k: int) -> int:
    """k rounded up to whole 32-bit words of int8 values."""
    return (k + 3) // 4 * 4


def weights_rows(w: np.ndarray, block: int = 1, natural: bool = False) -> np.ndarray:
    """[rows, K] int8 -> int32 words for aot_mm_2col / aot_fc_s8: rows zero-padded to a whole
    number of words, each group of 4 stored w0 w2 w1 w3 (one word; SXTB16 pairs it with an
    int16 column), or ``natural`` w0 w1 w2 w3 (pairs bytes 0,2 / 1,3 with an int8 input word
    read the same way); rows interleaved per group in blocks of ``block`` rows (the kernel's
    row blocking), the last rows % block one after another."""
    rows, k = w.shape
    padded = np.zeros((rows, round_up4(k)), dtype=np.int8)
    padded[:, :k] = w
    order = [0, 1, 2, 3] if natural else [0, 2, 1, 3]
    words = padded.reshape(rows, -1, 4)[:, :, order].copy().view("<i4").reshape(rows, -1)
    full = rows // block * block
    head = words[:full].reshape(full // block, block, words.shape[1]).transpose(0, 2, 1).reshape(-1)
    return np.concatenate([head, words[full:].reshape(-1)]).astype(np.int32)


def weights_mm16(w: np.ndarray) -> np.ndarray:
    """[rows, K] int8 -> int32 words for aot_mm_2col16, sign-extended to int16 at compile time:
    rows zero-padded to whole groups of 4, per group each row's pairs (w0, w1), (w2, w3); pairs
    of rows interleaved per group, a last odd row alone."""
    rows, k = w.shape
    padded = np.zeros((rows, round_up4(k)), dtype=np.int64)
    padded[:, :k] = w
    words = (padded[:, 0::2] & 0xFFFF) | (padded[:, 1::2] << 16)  # rows, 2 * groups
    full = rows // 2 * 2
    head = words[:full].reshape(full // 2, 2, words.shape[1] // 2, 2).transpose(0, 2, 1, 3).reshape(-1)
    return wrap_int32(np.concatenate([head, words[full:].reshape(-1)]))


PX16_OCTETS = (4, 9)  # segment lengths of aot_conv_px16_4 / _9 (one word; 3 channels x 3 columns)


def weights_px16(rows: np.ndarray) -> np.ndarray:
    """[n, kh, L] int8 (n weight rows, kh window rows of L values) -> int32 words for
    aot_conv_px16, sign-extended to int16 at compile time: per block of 8 rows (L in
    PX16_OCTETS: aot_conv_px16_<L>; else 4 rows), then blocks of 4, per window row,
    per input word the block's rows' pairs (w0, w2), (w1, w3),
    then per tail value (L % 4 of them) the pairs of rows (r0 | r1 << 16), (r2 | r3 << 16), ...;
    the last n % 4 rows one after another (per word the pairs, per tail value the int32 weight)."""
    n, kh, length = rows.shape
    words = length // 4
    r = rows.astype(np.int64)

    def pairs(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return (lo & 0xFFFF) | (hi << 16)

    head = r[:, :, : 4 * words].reshape(n, kh, words, 4)
    word_pairs = np.stack([pairs(head[..., 0], head[..., 2]), pairs(head[..., 1], head[..., 3])], axis=-1)  # n kh words 2
    tail = r[:, :, 4 * words:]  # n kh t
    block = 8 if length in PX16_OCTETS else 4
    starts = [*range(0, n - block + 1, block), *range(n // block * block, n - 3, 4)]
    parts = []
    for q in starts:
        size = block if q + block <= n else 4
        for ky in range(kh):
            parts.append(word_pairs[q:q + size, ky].transpose(1, 0, 2).reshape(-1))
            t = tail[q:q + size, ky]  # size t
            parts.append(pairs(t[0::2], t[1::2]).T.reshape(-1))
    for row in range(n // 4 * 4, n):
        for ky in range(kh):
            parts.append(word_pairs[row, ky].reshape(-1))
            parts.append(tail[row, ky])
    return wrap_int32(np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64))


def fast_requant(op: Op, g: Graph, product_in_float: bool = False) -> bool:
    """aot_rq (one rounding step) equals TFLM's two roundings for these constants: every
    channel has a right shift of 1..31 and a normalised multiplier, or a zero multiplier."""
    stage = conv_common.output_stage(op, g, product_in_float)
    m, s = np.asarray(stage.multiplier), np.asarray(stage.shift)
    return bool(np.all((m == 0) | ((s <= -1) & (s >= -31) & (m > (1 << 30)))))


def int8_dsp_ok(op: Op, g: Graph, product_in_float: bool = False) -> bool:
    """int8 input/output, symmetric int8 weights, and a requantisation aot_rq does exactly:
    what the SMLAD conv, depthwise and fully connected kernels need."""
    x, w, y = (g.tensor(n) for n in (op.inputs[0], op.inputs[1], op.outputs[0]))
    if not (x.dtype == y.dtype == w.dtype == "int8") or np.any(np.asarray(w.quant.zero_point) != 0):
        return False
    return fast_requant(op, g, product_in_float)


def int16_dsp_ok(op: Op, g: Graph) -> bool:
    """int16x8 (the checks passed: int8 weights, zero points 0): the SMLALD kernels (aot_dot2_s16)."""
    return g.tensor(op.inputs[0]).dtype == "int16"


def rq_row(multiplier: int, shift: int, offset: int) -> tuple[int, int, int, int]:
    """aot_rq_t {m, e - 1, klo, khi} of one channel: (acc * m + k) >> 32 >> (e - 1) with
    e = -shift, the rounding and ``offset`` (the output offset, times 2^(31 + e)) in k."""
    if multiplier == 0:  # SRDHM(x, 0) = 0 whatever the shift
        e, k = 1, (1 << 31) + offset * (1 << 32)
    else:
        e = -shift
        k = (1 << 30) + (1 << (30 + e)) + offset * (1 << (31 + e))
    klo, khi = k & 0xFFFFFFFF, k >> 32
    return multiplier, e - 1, klo - (1 << 32) if klo >= 1 << 31 else klo, khi


def folds_offset(shift: np.ndarray, multiplier: np.ndarray) -> bool:
    """The output offset fits into aot_rq's 64-bit constant (right shifts up to 23)."""
    return bool(np.all((np.asarray(multiplier) == 0) | (np.asarray(shift) >= -23)))


def rq_table(op: Op, g: Graph, channels: int, product_in_float: bool = False) -> tuple[np.ndarray, int]:
    """int32 [channels * 4]: aot_rq_t per output channel (rq_row), and the offset the kernel
    still adds after aot_rq (0 when the output offset is folded in)."""
    stage = conv_common.output_stage(op, g, product_in_float)
    mult = np.broadcast_to(np.asarray(stage.multiplier, dtype=np.int64), (channels,))
    shift = np.broadcast_to(np.asarray(stage.shift, dtype=np.int64), (channels,))
    fold = folds_offset(shift, mult)
    off = stage.output_offset if fold else 0
    rows = [rq_row(m, s, off) for m, s in zip(mult.tolist(), shift.tolist())]
    return np.asarray(rows, dtype=np.int64).astype(np.int32).reshape(-1), (0 if fold else stage.output_offset)


def rq_apply(acc: np.ndarray, table: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """aot_rq in NumPy: the one-rounding requantisation of ``acc`` for channels ``channel``.
    The DSP add proves its folded constants with it over every input pair at compile time."""
    t = table.reshape(-1, 4).astype(np.int64)[channel]
    k = (t[..., 3] << 32) | (t[..., 2] & 0xFFFFFFFF)
    acc = acc.astype(np.int64)
    p = k - ((acc < 0).astype(np.int64) << 31) + acc * t[..., 0]
    return (p >> 32) >> t[..., 1]


def wrap_int32(values: np.ndarray) -> np.ndarray:
    """int64 sums wrapped to int32 as the kernels' 32-bit accumulators wrap them."""
    return ((values + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int32)
