"""Op traits (aot/ops/traits.py): every kind declares them, the weight channel axis is the one the
reference computes output channels along, and the passes read traits instead of keeping their own
tables of op kinds."""
import ast
from pathlib import Path

import numpy as np
import pytest

import aot.passes
from aot import ops
from aot.core.ir import Graph, Op, Quant, Tensor
from aot.ops.traits import OpTraits

CONV = {"stride": (1, 1), "dilation": (1, 1), "pad": (1, 1, 1, 1), "activation": "NONE"}
WEIGHTED = {  # kind: input, weight and output shapes, attrs
    "conv2d": ((1, 5, 5, 3), (4, 3, 3, 3), (1, 5, 5, 4), CONV),
    "depthwise_conv2d": ((1, 5, 5, 3), (1, 3, 3, 6), (1, 5, 5, 6), {**CONV, "depth_multiplier": 2}),
    "fully_connected": ((2, 8), (4, 8), (2, 4), {"activation": "NONE"}),
    "transpose_conv2d": ((1, 3, 3, 3), (4, 3, 3, 3), (1, 6, 6, 4), {"stride": (2, 2), "crop": (0, 0), "activation": "NONE"}),
}
XQ, YQ = Quant([0.02], [3]), Quant([0.2], [-5])
PASSES = sorted(Path(aot.passes.__file__).parent.glob("*.py"))


def test_every_kind_declares_traits():
    for kind in ops.KINDS:
        assert isinstance(ops.get(kind).TRAITS, OpTraits), kind
        assert ops.traits(kind) is ops.get(kind).TRAITS
    assert ops.traits("unsupported") == OpTraits()


def test_every_weighted_kind_is_checked_here():
    assert {k for k in ops.KINDS if ops.traits(k).weight_channel_axis is not None} == set(WEIGHTED)


def _weighted(kind: str, dtype: str, rng: np.random.Generator, wq: Quant | None = None) -> tuple[Graph, np.ndarray]:
    """A graph of one ``kind`` op with random constant weights, and a random input for it."""
    xs, ws, ys, attrs = WEIGHTED[kind]
    if dtype == "int8":
        x, w = rng.integers(-128, 128, xs, dtype=np.int8), rng.integers(-127, 128, ws, dtype=np.int8)
    else:
        x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
    int8 = dtype == "int8"
    tensors = [Tensor("x", xs, dtype, XQ if int8 else None), Tensor("w", ws, dtype, wq, w), Tensor("y", ys, dtype, YQ if int8 else None)]
    return Graph({t.name: t for t in tensors}, [Op(kind, ["x", "w"], ["y"], dict(attrs))], ["x"], ["y"]), x


def _changed_channels(g: Graph, x: np.ndarray, edit) -> set[int]:
    """The output channels (last axis) whose values change when ``edit(weights tensor)`` runs."""
    op = g.ops[0]
    before = ops.get(op.kind).reference(op, g, [x])[0]
    edit(g.tensor("w"))
    after = ops.get(op.kind).reference(op, g, [x])[0]
    return {int(c) for c in np.nonzero(before != after)[-1]}


@pytest.mark.parametrize("kind", sorted(WEIGHTED))
def test_weight_channel_axis_indexes_output_channels(kind):
    """Scaling the weights' slice c along the axis changes output channel c and no other."""
    axis = ops.traits(kind).weight_channel_axis
    g, x = _weighted(kind, "float32", np.random.default_rng(1))
    channels = g.tensor("w").shape[axis]
    assert channels == g.tensor("y").shape[-1]
    for c in range(channels):
        def scale_slice(w, c=c):
            index = [slice(None)] * len(w.shape)
            index[axis] = c
            w.data = w.data.copy()
            w.data[tuple(index)] *= 2

        assert _changed_channels(g, x, scale_slice) == {c}


@pytest.mark.parametrize("kind", sorted(WEIGHTED))
def test_weights_quantise_per_channel_along_the_axis(kind):
    """int8 weights quantised per channel along the axis pass the op's check, and the scale of
    channel c acts on output channel c alone."""
    axis = ops.traits(kind).weight_channel_axis
    channels = WEIGHTED[kind][1][axis]
    rng = np.random.default_rng(2)
    wq = Quant(rng.uniform(0.005, 0.01, channels), np.zeros(channels), axis)
    g, x = _weighted(kind, "int8", rng, wq)
    assert ops.get(kind).check(g.ops[0], g) == []
    for c in range(channels):
        def rescale(w, c=c):
            scale = w.quant.scale.copy()
            scale[c] *= 1.5
            w.quant = Quant(scale, w.quant.zero_point, axis)

        assert _changed_channels(g, x, rescale) == {c}


def kind_tables(source: str) -> list[str]:
    """Where ``source`` lists op kinds: a tuple / list / set / dict literal naming two or more
    kinds, or an and/or chain comparing ``.kind`` with two or more kinds."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            named = {e.value for e in (node.keys if isinstance(node, ast.Dict) else node.elts)
                     if isinstance(e, ast.Constant) and e.value in ops.KINDS}
        elif isinstance(node, ast.BoolOp):
            named = {c.comparators[0].value for c in node.values
                     if isinstance(c, ast.Compare) and isinstance(c.left, ast.Attribute) and c.left.attr == "kind"
                     and isinstance(c.comparators[0], ast.Constant) and c.comparators[0].value in ops.KINDS}
        else:
            continue
        if len(named) >= 2:
            found.append(f"line {node.lineno}: {sorted(named)}")
    return found


@pytest.mark.parametrize("source", [
    'COMMUTING = ("reshape", "transpose", "slice", "max_pool2d")',
    'KERNELS = {"conv2d": 0, "depthwise_conv2d": 3}',
    'ok = op.kind in ("transpose", "reshape")',
    'ok = op.kind == "add" or op.kind == "binary"',
])
def test_kind_tables_finds_a_table(source):
    assert kind_tables(source)


@pytest.mark.parametrize("path", PASSES, ids=[p.name for p in PASSES])
def test_passes_read_traits_not_kind_tables(path):
    assert kind_tables(path.read_text()) == [], f"{path.name} lists op kinds: declare a trait in aot/ops/traits.py"
