"""CONCATENATION without copies: where the output's dims before the axis are all 1, the planner
places each input's producer straight into its slice of the output (aot/planner/inplace.py
Assemble, declared by the concat kernel's ``slices``) and the kernel skips those inputs; the
arena shrinks by the inputs it no longer holds twice, and the C stays exact (host, vs the
reference and tflite-micro). Inputs that are not safe to place (graph inputs, an input read
twice, channel concatenation of several rows, an input later overwritten in place) are copied."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from aot.core.ir import Graph, Op, Tensor
from aot.driver.compiler import compile_graph, emit
from aot.frontends.tflite import load_tflite
from aot.planner.inplace import Assemble, Overwrite, storage_groups
from tests.op_models.blocks import Quantiser, build
from tests.ops.compare import check_model_against_tflm, check_model_c


def two_branches(q: Quantiser) -> bytes:
    """Two convolutions of one input, concatenated along H (N = 1: one contiguous run each), then a conv."""
    q.shared("a", "b", "cat")
    x = q.input("x", (1, 4, 4, 3))
    a, _ = q.conv(x, "a", (1, 4, 4, 3), 8, act="RELU")
    b, _ = q.conv(x, "b", (1, 4, 4, 3), 8, (3, 3))
    cat = q.op("CONCATENATION", [a, b], "cat", (1, 8, 4, 8), axis=1)
    y, _ = q.conv(cat, "head", (1, 8, 4, 8), 4)
    return q.finish([y])


def channel_concat(q: Quantiser) -> bytes:
    x = q.input("x", (1, 4, 4, 3))
    a, _ = q.conv(x, "a", (1, 4, 4, 3), 8)
    return q.finish([q.op("CONCATENATION", [a, x], "cat", (1, 4, 4, 11), axis=3)])


def _compiled(model: bytes):
    g = load_tflite(model)
    return compile_graph(g, Path("m.tflite"), hashlib.sha256(model).hexdigest())


@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_producers_write_into_the_output(dtype, tmp_path):
    cm = _compiled(build(two_branches, 0, dtype))
    emit(cm, tmp_path)
    assert (tmp_path / "model.c").read_text().count("its producer wrote it here") == 2
    g, plan = cm.graph, cm.plan
    cat = next(op for op in g.ops if op.kind == "concat")
    a, b = cat.inputs
    assert plan.aliases.get(a) == plan.aliases.get(b) == cat.outputs[0]
    assert plan.offset(a) == plan.offset(cat.outputs[0])
    assert plan.offset(b) == plan.offset(cat.outputs[0]) + g.tensor(a).nbytes
    # no copy: below what any plan holding a, b and the concatenation at once needs
    assert plan.arena_bytes < plan.largest_op_bytes


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("seed", range(2))
def test_in_place_concat_is_exact(dtype, seed, tmp_path):
    model = build(two_branches, seed, dtype)
    check_model_against_tflm(model, seed, f"two_branches {dtype}")
    check_model_c(model, f"two_branches_{dtype}_{seed}", dtype, seed, tmp_path)


def test_channel_concat_and_graph_inputs_are_copied():
    cm = _compiled(build(channel_concat, 0, "float32"))
    assert not cm.plan.deltas


def _graph(ops: list[Op], names: dict[str, tuple[int, ...]], inputs, outputs) -> Graph:
    tensors = {n: Tensor(n, s, "int8") for n, s in names.items()}
    return Graph(tensors, ops, inputs, outputs)


def test_unsafe_inputs_stay_out():
    shapes = {"x": (4,), "a": (4,), "b": (4,), "c": (8,), "d": (4,), "e": (4,)}
    ops = [Op("unary", ["x"], ["a"]), Op("unary", ["x"], ["b"]), Op("concat", ["a", "b"], ["c"], {"axis": 0}),
           Op("unary", ["a"], ["d"]), Op("add", ["c", "c"], ["e"])]
    g = _graph(ops, {**shapes, "e": (8,)}, ["x"], ["e"])
    # a is placed, then op 3 wants to write d over a (a dies there): refused, a's group holds placed inputs
    groups = storage_groups(g, {2: Assemble((0, 4)), 3: Overwrite(0)})
    assert groups.aliases == {"a": "c", "b": "c"} and groups.deltas == {"a": 0, "b": 4}
    assert groups.in_place == frozenset()
    # the same tensor twice, a graph input, an unaligned slice: copied
    g2 = _graph([Op("unary", ["x"], ["a"]), Op("concat", ["a", "a", "x"], ["c"], {"axis": 0})],
                {"x": (4,), "a": (4,), "c": (12,)}, ["x"], ["c"])
    assert storage_groups(g2, {1: Assemble((0, 4, 8))}).deltas == {}
    g3 = _graph([Op("unary", ["x"], ["a"]), Op("unary", ["x"], ["b"]), Op("concat", ["a", "b"], ["c"], {"axis": 0})],
                {"x": (4,), "a": (3,), "b": (3,), "c": (6,)}, ["x"], ["c"])
    assert storage_groups(g3, {2: Assemble((0, 3))}).deltas == {"a": 0}
    assert np.array_equal(sorted(storage_groups(g3, {2: Assemble((0, 3))}, alignment=1).deltas.values()), [0, 3])
