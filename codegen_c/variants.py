"""Kernel variants: which templates an operator can be generated with on a board, which one is
the default there, and the compile-time constants the DSP variants share.

A variant is ``templates/ops/<kind>.c.j2`` (``portable``) or ``templates/ops/<kind>_<name>.c.j2``
with knobs (template variables that change the generated loops, e.g. ``block``). Boards list
their CPU features in board.toml (``features = ["dsp", ...]``); the DSP variants need "dsp"
(the SIMD32 instructions of Cortex-M4/M7/M33/M55). The host keeps the portable code by default
(the DSP kernels also compile there, through the plain-C twins of the intrinsics in
runtime_c/include/aot_dsp.h, which is how the host tests check them).

``candidates(op, g, features)`` lists what may be tried (the tuner measures them);
``default(op, g, features)`` is the choice without a tuning record. A variant that needs a
scratch buffer says how many bytes (``scratch_bytes``); the compiler places it in the arena.

``select`` makes the choice memory-aware (``priority``, `--priority` on the command line):
"speed" takes the fastest variants whatever their scratch costs; "balanced" (the default)
keeps the arena at or below the portable plan's: an op whose DSP scratch would raise it gets
a leaner knob of its DSP kernel (``lean``) or, failing that, the portable kernel; "ram" goes
for the smallest arena (a DSP kernel only where the arena does not grow by it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from aot.core.ir import Graph, Op
from aot.ops import conv_common

PORTABLE = "portable"


@dataclass(frozen=True)
class Variant:
    name: str = PORTABLE
    knobs: tuple[tuple[str, object], ...] = ()

    @property
    def key(self) -> str:
        """'dsp', 'dsp:block=1', ...: how tuning records and progress messages name it."""
        return self.name + "".join(f":{k}={v}" for k, v in self.knobs)

    def knob(self, name: str, default=None):
        return dict(self.knobs).get(name, default)

    @staticmethod
    def parse(key: str) -> "Variant":
        name, *rest = key.split(":")
        knobs = []
        for part in rest:
            k, _, v = part.partition("=")
            knobs.append((k, json.loads(v) if v[:1].isdigit() or v[:1] == "-" else v))
        return Variant(name, tuple(knobs))


def features_of(board) -> tuple[str, ...]:
    """CPU features of a Board (board.toml ``features``), () for None."""
    if board is None:
        return ()
    return board.features


# ---------------------------------------------------------------------------------------------
# Which ops a DSP kernel handles


def _int8(op: Op, g: Graph) -> bool:
    return all(g.tensor(n).dtype == "int8" for n in (op.inputs[0], op.outputs[0]))


def fast_requant(op: Op, g: Graph, product_in_float: bool = False) -> bool:
    """aot_rq (one rounding step) equals TFLM's two roundings for these constants: every
    channel has a right shift of 1..31 and a normalised multiplier, or a zero multiplier."""
    st = conv_common.output_stage(op, g, product_in_float)
    m, s = np.asarray(st.multiplier), np.asarray(st.shift)
    return bool(np.all((m == 0) | ((s <= -1) & (s >= -31) & (m > (1 << 30)))))


def folds_offset(op: Op, g: Graph, product_in_float: bool = False) -> bool:
    """The output offset fits into aot_rq's 64-bit constant (right shifts up to 23)."""
    st = conv_common.output_stage(op, g, product_in_float)
    return bool(np.all((np.asarray(st.multiplier) == 0) | (np.asarray(st.shift) >= -23)))


def _conv_like(op: Op, g: Graph) -> bool:
    """conv2d (one group), or depthwise with one input channel (a conv with IC = 1)."""
    if op.kind == "conv2d":
        return g.tensor(op.inputs[0]).shape[3] == g.tensor(op.inputs[1]).shape[3]
    return op.kind == "depthwise_conv2d" and g.tensor(op.inputs[0]).shape[3] == 1


ELEMENTWISE_DSP = ("add", "average_pool2d", "max_pool2d")


def dsp_ok(op: Op, g: Graph) -> bool:
    if op.kind in ELEMENTWISE_DSP:
        # same-shape add (constants folded, codegen_c/ops/add.py: dsp_add); pools with channels
        # a multiple of 4 (four per word); broadcasting adds and other pools stay portable
        from codegen_c import ops as c_ops

        mod = c_ops.get(op.kind)
        if not mod.dsp_ok(op, g):
            return False
        return op.kind != "add" or mod.dsp_add(op, g) is not None
    if op.kind not in ("conv2d", "depthwise_conv2d", "fully_connected") or not _int8(op, g):
        return False
    w = g.tensor(op.inputs[1])
    if w.dtype != "int8" or np.any(np.asarray(w.quant.zero_point) != 0):
        return False
    if not fast_requant(op, g, op.kind == "fully_connected"):
        return False
    if op.kind == "depthwise_conv2d" and not _conv_like(op, g):
        return op.attrs["depth_multiplier"] == 1 and g.tensor(op.inputs[0]).shape[3] % 4 == 0
    if op.kind == "conv2d":
        return _conv_like(op, g)
    return True


def candidates(op: Op, g: Graph, features=()) -> list[Variant]:
    """Variants to try for ``op`` on a core with ``features``, the portable one first."""
    out = [Variant()]
    if "dsp" not in features or not dsp_ok(op, g):
        return out
    if op.kind == "depthwise_conv2d" and not _conv_like(op, g):
        w = g.tensor(op.inputs[1])
        out.append(Variant("dsp"))
        return out
    out.append(Variant("dsp"))
    return out


def default(op: Op, g: Graph, features=()) -> Variant:
    """The choice without measurements: the last candidate with no knobs, else the first DSP one."""
    cands = candidates(op, g, features)
    plain = [c for c in cands if c.name != PORTABLE and not c.knobs]
    return plain[-1] if plain else cands[0]


def in_place_ok(op: Op, g: Graph, variant: Variant) -> bool:
    """May the variant's kernel write its output over its input (aot/planner/inplace.py)?"""
    if variant.name == PORTABLE:
        return True
    if op.kind == "add":
        return True  # words of 4 elements, each read (both inputs) before it is written
    if op.kind == "conv2d":
        return True  # only 1x1 stride-1 convs run in place; the kernel walks the safe way
    if op.kind == "depthwise_conv2d":
        from codegen_c.ops import depthwise_conv2d

        return depthwise_conv2d.in_place_safe(op, g)
    return False


def scratch_bytes(op: Op, g: Graph, variant: Variant) -> int:
    """Arena bytes the variant's kernel needs while it runs (0: none)."""
    if variant.name == PORTABLE:
        return 0
    from codegen_c import ops as c_ops

    fn = getattr(c_ops.get(op.kind), "scratch_bytes", None)
    return int(fn(op, g, variant)) if fn else 0


# ---------------------------------------------------------------------------------------------
# Compile-time constants of the DSP kernels


def k4(k: int) -> int:
    return (k + 3) // 4 * 4


def weights_rows(w: np.ndarray, block: int = 1, natural: bool = False) -> np.ndarray:
    """[rows, K] int8 -> int32 words for aot_mm_2col / aot_fc_s8: rows zero-padded to K4, each
    group of 4 stored w0 w2 w1 w3 (one word; SXTB16 pairs it with an int16 column), or
    ``natural`` w0 w1 w2 w3 (pairs bytes 0,2 / 1,3 with an int8 input word read the same way);
    rows interleaved per group in blocks of ``block`` rows (the kernel's row blocking), the
    last rows % block one after another."""
    rows, k = w.shape
    padded = np.zeros((rows, k4(k)), dtype=np.int8)
    padded[:, :k] = w
    order = [0, 1, 2, 3] if natural else [0, 2, 1, 3]
    words = padded.reshape(rows, -1, 4)[:, :, order].copy().view("<i4").reshape(rows, -1)
    full = rows // block * block
    head = words[:full].reshape(full // block, block, words.shape[1]).transpose(0, 2, 1).reshape(-1)
    return np.concatenate([head, words[full:].reshape(-1)]).astype(np.int32)


def rq_table(op: Op, g: Graph, channels: int, product_in_float: bool = False) -> tuple[np.ndarray, int]:
    """int32 [channels * 4]: aot_rq_t {m, e - 1, klo, khi} per output channel (aot_dsp.h), and
    the offset the kernel still adds after aot_rq (0 when the output offset is folded in)."""
    st = conv_common.output_stage(op, g, product_in_float)
    mult = np.broadcast_to(np.asarray(st.multiplier, dtype=np.int64), (channels,))
    shift = np.broadcast_to(np.asarray(st.shift, dtype=np.int64), (channels,))
    fold = folds_offset(op, g, product_in_float)
    off = st.output_offset if fold else 0
    rows = []
    for m, s in zip(mult.tolist(), shift.tolist()):
        if m == 0:  # SRDHM(x, 0) = 0 whatever the shift
            e, k = 1, (1 << 31) + off * (1 << 32)
        else:
            e = -s
            k = (1 << 30) + (1 << (30 + e)) + off * (1 << (31 + e))
        klo, khi = k & 0xFFFFFFFF, k >> 32
        rows.append([m, e - 1, klo - (1 << 32) if klo >= 1 << 31 else klo, khi])
    return np.asarray(rows, dtype=np.int64).astype(np.int32).reshape(-1), (0 if fold else st.output_offset)


def rq_reference(acc: np.ndarray, table: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """aot_rq in NumPy (for tests): the folded rounding of ``acc`` for channels ``channel``."""
    t = table.reshape(-1, 4).astype(np.int64)[channel]
    k = (t[..., 3] << 32) | (t[..., 2] & 0xFFFFFFFF)
    acc = acc.astype(np.int64)
    p = k - ((acc < 0).astype(np.int64) << 31) + acc * t[..., 0]
    return (p >> 32) >> t[..., 1]


@dataclass
class Choice:
    """The variant of every op of a compiled graph, and their scratch requests."""

    variants: dict[int, Variant] = field(default_factory=dict)
    scratch: dict[int, int] = field(default_factory=dict)


def choose(g: Graph, features=(), tuning: dict[int, Variant] | None = None, in_place=frozenset()) -> Choice:
    """Variants for every op: the tuning record's choice where given, else the board default.
    Ops the planner runs in place keep their in-place kernel (its access order is its promise)
    unless the variant's kernel keeps the same promise."""
    ch = Choice()
    for i, op in enumerate(g.ops):
        if tuning is not None and i in tuning:
            v = tuning[i]
        else:
            v = default(op, g, features)
        if i in in_place and not in_place_ok(op, g, v):
            v = Variant()
        ch.variants[i] = v
        need = scratch_bytes(op, g, v)
        if need:
            ch.scratch[i] = need
    return ch


PRIORITIES = ("balanced", "speed", "ram")
DEFAULT_PRIORITY = "balanced"


def lean(op: Op, g: Graph, v: Variant) -> list[Variant]:
    """``v`` then its knob settings that need less scratch (slower), leanest last: the depthwise
    ring for fewer channel groups per pass (``groups``: half as many each time, down to 1);
    a convolution without im2col columns (``cols=0``: no scratch, windows read in place)."""
    out = [v]
    if v.name != "dsp" or v.knobs:
        return out
    if op.kind == "depthwise_conv2d" and not _conv_like(op, g):
        n = g.tensor(op.inputs[0]).shape[3] // 4 // 2
        while n >= 1:
            out.append(Variant("dsp", (("groups", n),)))
            n //= 2
    elif _conv_like(op, g):
        from codegen_c.ops import conv2d

        if conv2d.direct_ok(op, g):
            out.append(Variant("dsp", (("cols", 0),)))
    return out


def select(g: Graph, plan, features=(), tuning: dict[int, Variant] | None = None, priority: str = DEFAULT_PRIORITY,
           preferred: dict[int, Variant] | None = None):
    """(Choice, plan with the scratch buffers) for ``plan``, the portable plan of ``g``.

    Ops in ``tuning`` (a tuning record) keep the record's variant. The others start from
    ``preferred`` (else the board default); with priority "speed" that is the choice. With
    "balanced", if the scratch buffers raise the arena above the portable plan's, the DSP ops
    are added back one at a time, most MACs first, each with the fastest of its ``lean``
    variants that keeps the arena at or below the portable one (else the portable kernel).
    "ram" does the same with the bound lowered to the smallest arena found so far."""
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    from aot import ops as ir_ops

    tuning = tuning or {}
    want = choose(g, features, {**(preferred or {}), **tuning}, plan.in_place)
    full = replan(g, plan, want.scratch, try_exact=True)
    if priority == "speed" or (priority == "balanced" and full.arena_bytes <= plan.arena_bytes):
        return want, full
    fixed = set(tuning)
    current = {i: (v if i in fixed else Variant()) for i, v in want.variants.items()}
    best_choice = choose(g, features, current, plan.in_place)
    best_plan = replan(g, plan, best_choice.scratch)
    bound = plan.arena_bytes if priority == "balanced" else min(plan.arena_bytes, best_plan.arena_bytes)
    movable = [i for i, v in want.variants.items() if i not in fixed and v.name != PORTABLE]
    movable.sort(key=lambda i: (-ir_ops.get(g.ops[i].kind).macs(g.ops[i], g), i))
    for i in movable:
        for v in lean(g.ops[i], g, want.variants[i]):
            trial = choose(g, features, {**current, i: v}, plan.in_place)
            if trial.variants[i].key != v.key:
                continue
            tplan = replan(g, plan, trial.scratch)
            if tplan.arena_bytes <= bound:
                current[i], best_choice, best_plan = v, trial, tplan
                if priority == "ram":
                    bound = min(bound, tplan.arena_bytes)
                break
    # the search compares fast heuristic plans; the exact search can only shrink the winner
    return best_choice, replan(g, plan, best_choice.scratch, try_exact=True)


def replan(g: Graph, plan, scratch: dict[int, int], try_exact: bool = False):
    """The plan again with the variants' scratch buffers added (same op order, same in-place
    choices; an in-place op keeps its own scratch unless its variant asks for one). The exact
    placement search runs only when asked: the variant search calls this many times."""
    if not scratch:
        return plan
    from aot.planner import inplace
    from aot.planner.liveness import activation_buffers
    from aot.planner.plan import plan_memory

    merged = {i: inplace.scratch_bytes(g.ops[i], g) for i in plan.in_place}
    merged.update(scratch)
    return plan_memory(activation_buffers(g, merged, plan.aliases), plan.alignment, plan.largest_op_bytes, try_exact=try_exact,
                       aliases=plan.aliases, in_place=plan.in_place, order=plan.order)
