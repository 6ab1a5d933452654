"""ONNX backend node tests (onnx.backend.test.case.node.collect_testcases) through our importer,
the NumPy reference and the generated C on the host.

Each case of an operator we import ends as one of
- passed: the NumPy reference matches the expected outputs (the case's rtol/atol; int8
  outputs within one quantisation step) and the C matches the reference (aot.driver.runner.compare);
- unsupported: the importer rejected it up front, with the reason (e.g. a type we lack);
- failed: anything else (a wrong result, or an error that is not a clear rejection).
Inputs that our kernels need constant (weights, shapes, pads, ...) are frozen into
initializers with the case's values when the model as given is rejected.

C runs batched: the cases' graphs are merged into one graph (names prefixed), built once and
run once, so hundreds of cases cost one compile.
"""
from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import numpy_helper

from aot.core.errors import AotError, UnsupportedError
from aot.core.ir import Graph, Op, Tensor
from aot.driver.compiler import prepare
from aot.driver.reference import run_graph
from aot.frontends.onnx import import_model
from aot.frontends.onnx_nn import NN_CONVERTERS
from aot.frontends.onnx_ops import CONVERTERS

SUPPORTED = sorted(set(CONVERTERS) | set(NN_CONVERTERS))


@dataclass
class Case:
    name: str
    op: str
    model: onnx.ModelProto
    inputs: list[np.ndarray]
    outputs: list[np.ndarray]
    rtol: float
    atol: float
    status: str = ""
    reason: str = ""
    graph: Graph | None = None
    feeds: dict[str, np.ndarray] = field(default_factory=dict)


def collect(ops: list[str] | None = None) -> list[Case]:
    """One Case per (node test, data set) of the operators we import (expanded variants left out)."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tests = collect_testcases()
    wanted = set(ops or SUPPORTED)
    cases = []
    for t in tests:
        nodes = t.model.graph.node
        if t.kind != "node" or len(nodes) != 1 or nodes[0].op_type not in wanted or "expanded" in t.name:
            continue
        for k, (ins, outs) in enumerate(t.data_sets or []):
            suffix = f"#{k}" if len(t.data_sets) > 1 else ""
            cases.append(Case(t.name + suffix, nodes[0].op_type, t.model, list(ins), list(outs), t.rtol, t.atol))
    return cases


def _with_shapes(model: onnx.ModelProto, inputs: list[np.ndarray], freeze: bool) -> onnx.ModelProto:
    """The model with its inputs' shapes fixed to the data's; with ``freeze``, every input but
    the first becomes an initializer holding the case's value."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    keep = []
    for i, (vi, value) in enumerate(zip(list(g.input), inputs)):
        value = np.asarray(value)
        if freeze and i > 0:
            g.initializer.append(numpy_helper.from_array(value, vi.name))
            continue
        if value.dtype != object:
            vi.type.tensor_type.ClearField("shape")
            vi.type.tensor_type.shape.dim.extend([onnx.TensorShapeProto.Dimension(dim_value=d) for d in value.shape])
        keep.append(vi)
    del g.input[:]
    g.input.extend(keep)
    return m


def import_case(c: Case) -> None:
    """Import a case (as given, else with inputs frozen): sets graph and feeds, or status."""
    reason = ""
    for freeze in (False, True):
        if freeze and len(c.inputs) < 2:
            break
        try:
            model = _with_shapes(c.model, c.inputs, freeze)
        except Exception as e:
            reason = f"input values of this type cannot be used ({type(e).__name__})"
            continue
        try:
            g, problems = import_model(model, c.name)
            if not problems:  # as the compiler does: the passes, then the ops' checks
                g, problems = prepare(g)
        except AotError as e:
            problems, reason = None, str(e)
        except Exception as e:  # an importer crash is a failure, not a rejection
            c.status, c.reason = "failed", f"import crashed: {type(e).__name__}: {e}"
            return
        if problems:
            reason = str(UnsupportedError(problems))
        elif problems is not None:
            c.graph = g
            c.feeds = {n: np.asarray(v).reshape(g.tensor(n).shape) for n, v in zip(g.inputs, c.inputs)}
            return
    c.status, c.reason = "unsupported", reason


def check_reference(c: Case) -> None:
    try:
        got = run_graph(c.graph, c.feeds)
    except Exception as e:
        c.status, c.reason = "failed", f"reference crashed: {type(e).__name__}: {e}"
        return
    for name, want in zip(c.graph.outputs, c.outputs):
        have = got[name]
        want = np.asarray(want)
        if have.shape != want.shape and have.size == want.size:
            have = have.reshape(want.shape)
        if have.shape != want.shape:
            c.status, c.reason = "failed", f"{name}: shape {list(have.shape)}, expected {list(want.shape)}"
            return
        if want.dtype.kind == "f":
            ok = np.allclose(have, want, rtol=c.rtol, atol=c.atol, equal_nan=True)
        else:
            ok = np.abs(have.astype(np.int64) - want.astype(np.int64)).max(initial=0) <= (1 if want.dtype.itemsize == 1 else 0)
        if not ok:
            diff = np.abs(have.astype(np.float64) - want.astype(np.float64))
            c.status, c.reason = "failed", f"{name}: reference differs from ONNX (max |diff| {np.nanmax(diff, initial=0):g})"
            return
    c.status = "passed"


def merge(cases: list[Case]) -> tuple[Graph, dict[str, np.ndarray]]:
    """One graph computing every case (tensor names prefixed with the case's index)."""
    tensors, ops, inputs, outputs, feeds = {}, [], [], [], {}
    for i, c in enumerate(cases):
        p = f"c{i}/"
        ren = lambda n: None if n is None else p + n  # noqa: E731
        for t in c.graph.tensors.values():
            tensors[ren(t.name)] = Tensor(ren(t.name), t.shape, t.dtype, t.quant, t.data)
        ops += [Op(op.kind, [ren(n) for n in op.inputs], [ren(n) for n in op.outputs], op.attrs, op.name) for op in c.graph.ops]
        inputs += [ren(n) for n in c.graph.inputs]
        outputs += [ren(n) for n in c.graph.outputs]
        feeds.update({ren(n): v for n, v in c.feeds.items()})
    return Graph(tensors, ops, inputs, outputs, name="onnx_conformance"), feeds


def check_c(cases: list[Case], build_dir=None) -> None:
    """Build the passing cases' graphs as one host executable and compare with the reference;
    a case whose C differs becomes failed. A batch that does not build is split in halves."""
    from pathlib import Path

    from aot.driver.compiler import compile_graph
    from aot.driver.runner import run_on_board
    from aot.target.boards import load_board

    runnable = [c for c in cases if c.status == "passed" and c.graph.ops and all(c.graph.tensor(n).size for n in c.graph.outputs)]
    if not runnable:
        return
    g, feeds = merge(runnable)
    try:
        cm = compile_graph(g, Path("onnx_conformance"), str(abs(hash(tuple(c.name for c in runnable)))))
        result = run_on_board(cm, load_board("host"), feeds, build_dir=build_dir, timeout=120)
    except Exception as e:
        if len(runnable) == 1:
            runnable[0].status, runnable[0].reason = "failed", f"C: {type(e).__name__}: {str(e)[:200]}"
            return
        half = len(runnable) // 2
        check_c(runnable[:half], build_dir)
        check_c(runnable[half:], build_dir)
        return
    by_name = {cmp.name: cmp for cmp in result.comparisons}
    for i, c in enumerate(runnable):
        for n in c.graph.outputs:
            cmp = by_name[f"c{i}/{n}"]
            if not cmp.match:
                c.status, c.reason = "failed", f"C differs from the reference on {n} (max |diff| {cmp.max_abs_diff:g})"


def run(ops: list[str] | None = None, with_c: bool = True, batch: int = 150, build_dir=None) -> list[Case]:
    cases = collect(ops)
    for c in cases:
        import_case(c)
        if c.graph is not None:
            check_reference(c)
    if with_c:
        for k in range(0, len(cases), batch):
            check_c(cases[k:k + batch], build_dir)
    return cases


def summary(cases: list[Case]) -> dict[str, Counter]:
    per_op: dict[str, Counter] = defaultdict(Counter)
    for c in cases:
        per_op[c.op][c.status] += 1
    return dict(sorted(per_op.items()))


def table(cases: list[Case]) -> str:
    rows = [f"| {op} | {n['passed']} | {n['failed']} | {n['unsupported']} |" for op, n in summary(cases).items()]
    total = Counter(c.status for c in cases)
    return "\n".join(["| op | passed | failed | unsupported |", "|---|---:|---:|---:|", *rows,
                      f"| **total** | {total['passed']} | {total['failed']} | {total['unsupported']} |"])
