"""Checks that each op is known, configured as we support, and shapes consistent. Returns every
problem at once as (location, operator, reason). The compiler runs them on every graph after
the passes (aot.driver.compiler.prepare); the TFLite frontend also runs them on the graph it built
(already kernel level), so that `read_model` lists them. The ONNX frontend cannot: its graph
only becomes kernel level through the passes (e.g. QDQ weights)."""
from __future__ import annotations

from aot import ops
from aot.core.ir import MAX_IO_DIMS, Graph
from aot.frontends.model_checks import check_model


def check_graph(g: Graph) -> list[tuple[str, str, str]]:
    """The model's own consistency first (aot.frontends.model_checks): the ops' checks assume it."""
    problems = check_model(g)
    if problems:
        return problems
    for i, op in enumerate(g.ops):
        loc, _, source = (op.name or f"#{i} {op.kind}").partition(" ")
        if op.kind not in ops.KINDS:
            problems.append((loc, source or op.kind, "operator is not supported"))
            continue
        problems += [(loc, source or op.kind, why) for why in op_problems(op, g)]
        if "pad" in op.attrs and not problems:
            problems += [(loc, source or op.kind, why) for why in _window_shape(op, g)]
    for role, names in (("input", g.inputs), ("output", g.outputs)):
        for name in names:
            t = g.tensor(name)
            if len(t.shape) > MAX_IO_DIMS:
                problems.append(("graph", role, f"tensor {name!r} has {len(t.shape)} dims; a graph {role} has at most "
                                                f"{MAX_IO_DIMS}"))
    return problems + _state(g)


def op_problems(op, g: Graph) -> list[str]:
    """The op's own check (of a graph that passes check_model); an absent input (None) where the
    op needs one is refused by name: the checks look operands up as they need them
    (Graph.tensor(None) raises KeyError(None))."""
    if "pad" in op.attrs and any(n is None or len(g.tensor(n).shape) != 4 for n in (op.inputs[0], op.outputs[0])):
        return ["a window operator needs a 4-D NHWC input and output"]  # what its check and _window_shape assume
    try:
        return ops.get(op.kind).check(op, g)
    except KeyError as e:
        if e.args != (None,):
            raise
        absent = [k for k, name in enumerate(op.inputs) if name is None]
        return [f"input(s) {absent} are absent (-1), which the operator needs"]


def _state(g: Graph) -> list[tuple[str, str, str]]:
    """Variable tensors (persistent state) are written only in place by the ops whose traits say
    so (``OpTraits.updates``): never an op's output, a graph input or output; and what an op
    updates is a variable."""
    problems = []
    for i, op in enumerate(g.ops):
        loc, _, source = (op.name or f"#{i} {op.kind}").partition(" ")
        for name in ops.updated_state(op):
            if name in g.tensors and not g.tensor(name).variable:
                problems.append((loc, source or op.kind, f"the state operand {name!r} is not a variable tensor"))
        for name in op.outputs:
            if name in g.tensors and g.tensor(name).variable:
                problems.append((loc, source or op.kind, f"writes variable tensor {name!r} as an output (only in place)"))
    for role, names in (("input", g.inputs), ("output", g.outputs)):
        problems += [("graph", role, f"tensor {name!r} is a variable (persistent state)")
                     for name in names if name in g.tensors and g.tensor(name).variable]
    return problems


def _window_shape(op, g: Graph) -> list[str]:
    x, y = g.tensor(op.inputs[0]), g.tensor(op.outputs[0])
    kernel = op.attrs.get("filter") or g.tensor(op.inputs[1]).shape[1:3]
    dil = op.attrs.get("dilation", (1, 1))
    top, left, bottom, right = op.attrs["pad"]
    expect = tuple(
        (size + before + after - ((k - 1) * d + 1)) // s + 1
        for size, before, after, k, d, s in zip(x.shape[1:3], (top, left), (bottom, right), kernel, dil, op.attrs["stride"])
    )
    if tuple(y.shape[1:3]) != expect:
        return [f"output spatial shape {list(y.shape[1:3])} does not match the window arithmetic {list(expect)}"]
    return []
