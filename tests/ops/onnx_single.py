"""Single-node ONNX models for the op tests of kinds the ONNX frontend brings (transpose, slice,
concat, pad, unary, binary, reduce): our NumPy reference against onnxruntime, and the generated
C on the host against the reference."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from aot.driver.compiler import compile_graph, prepare
from aot.driver.reference import run_graph
from aot.driver.runner import compare, run_on_board
from aot.frontends.onnx import import_model
from aot.target.boards import load_board


def node_model(op_type: str, inputs: dict[str, np.ndarray], consts: dict[str, np.ndarray], n_out: int = 1, opset: int = 17, **attrs) -> onnx.ModelProto:
    names = [*inputs, *consts]
    outs = [f"y{i}" for i in range(n_out)]
    graph = helper.make_graph(
        [helper.make_node(op_type, names, outs, **attrs)], op_type,
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for n, v in inputs.items()],
        [helper.make_empty_tensor_value_info(o) for o in outs],
        [numpy_helper.from_array(v, n) for n, v in consts.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def check_node(kind: str, op_type: str, inputs: dict[str, np.ndarray], consts=None, tmp_path=None, n_out: int = 1, **attrs) -> None:
    """Import the node (it must become op ``kind``), compare with onnxruntime and, given
    tmp_path, run the C on the host."""
    import onnxruntime as ort

    model = node_model(op_type, inputs, consts or {}, n_out, **attrs)
    g, problems = import_model(model, op_type)
    assert not problems, problems
    g, problems = prepare(g)  # the passes and the ops' checks, as the compiler runs them
    assert not problems, problems
    assert kind in [op.kind for op in g.ops], [op.kind for op in g.ops]
    want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, inputs)
    got = run_graph(g, inputs)
    for name, w in zip(g.outputs, want):
        c = compare(name, got[name], w)
        assert got[name].shape == w.shape and c.match, f"{op_type} {attrs}: max |diff| {c.max_abs_diff:g} vs onnxruntime"
    if tmp_path is not None:
        result = run_on_board(compile_graph(g, tmp_path / "m.onnx", op_type), load_board("host"), inputs, build_dir=tmp_path)
        assert result.match, [(c.name, c.max_abs_diff) for c in result.comparisons]


def rand(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.uniform(-2, 2, size=shape).astype(np.float32)
