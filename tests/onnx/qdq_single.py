"""Single ONNX nodes in QDQ form, as onnxruntime's static quantiser writes them: each runtime
input float -> QuantizeLinear -> DequantizeLinear -> the node -> QuantizeLinear ->
DequantizeLinear (the last pair left out for a node with integer outputs). Checked: which ops run
on int8, the reference within one output quantisation step of onnxruntime (integer outputs:
equal), the host C equal to the reference (int8 kernels bit-exact)."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from aot.driver.compiler import compile_graph, prepare
from aot.driver.reference import run_graph
from aot.driver.runner import run_on_board
from aot.frontends.onnx import import_model
from aot.target.boards import load_board

QTYPES = {"int8": onnx.TensorProto.INT8, "uint8": onnx.TensorProto.UINT8}


def qdq_model(op_type: str, inputs: dict[str, np.ndarray], consts: dict[str, np.ndarray], in_q, out_q, qtype: str = "int8",
              opset: int = 17, **attrs) -> onnx.ModelProto:
    """in_q: (scale, zero point) per runtime input (None: passed as it is); out_q: the output's, or
    None (no Q/DQ after)."""
    np_q = np.int8 if qtype == "int8" else np.uint8
    inits, nodes, names = dict(consts), [], []
    for (n, _), q in zip(inputs.items(), in_q):
        if q is None:  # not quantised (a bool condition, indices)
            names.append(n)
            continue
        inits[f"{n}_s"], inits[f"{n}_z"] = np.array(q[0], np.float32), np.array(q[1], np_q)
        nodes += [helper.make_node("QuantizeLinear", [n, f"{n}_s", f"{n}_z"], [f"{n}_q"]),
                  helper.make_node("DequantizeLinear", [f"{n}_q", f"{n}_s", f"{n}_z"], [f"{n}_dq"])]
        names.append(f"{n}_dq")
    core = "y" if out_q is None else "core"
    nodes.append(helper.make_node(op_type, names + list(consts), [core], **attrs))
    if out_q is not None:
        inits["y_s"], inits["y_z"] = np.array(out_q[0], np.float32), np.array(out_q[1], np_q)
        nodes += [helper.make_node("QuantizeLinear", ["core", "y_s", "y_z"], ["y_q"]),
                  helper.make_node("DequantizeLinear", ["y_q", "y_s", "y_z"], ["y"])]
    graph = helper.make_graph(nodes, op_type, [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
                                               for n, v in inputs.items()],
                              [helper.make_empty_tensor_value_info("y")], [numpy_helper.from_array(v, n) for n, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def check_qdq(kind: str, int8: bool, op_type: str, inputs: dict[str, np.ndarray], consts=None, in_q=None, out_q=None,
              tmp_path=None, **kw) -> None:
    """The node becomes op ``kind`` running on int8 (``int8``) or float between the Q/DQ."""
    import onnxruntime as ort

    model = qdq_model(op_type, inputs, consts or {}, in_q, out_q, **kw)
    g, problems = import_model(model, op_type)
    assert not problems, problems
    g, problems = prepare(g)
    assert not problems, problems
    found = [op for op in g.ops if op.kind == kind]
    assert found, [op.kind for op in g.ops]
    on_int8 = [any(g.tensor(n).dtype == "int8" for n in op.inputs if n) for op in g.ops]
    assert all(on == int8 for op, on in zip(g.ops, on_int8) if op.kind == kind), list(zip([op.kind for op in g.ops], on_int8))
    want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, inputs)[0]
    got = run_graph(g, inputs)[g.outputs[0]]
    step = 0.0 if out_q is None else float(out_q[0]) * 1.001
    assert got.shape == want.shape and np.abs(got.astype(np.float64) - want).max(initial=0) <= step, \
        f"{op_type}: max |diff| {np.abs(got.astype(np.float64) - want).max(initial=0):g} > one step {step:g}"
    if tmp_path is not None:
        result = run_on_board(compile_graph(g, tmp_path / "m.onnx", op_type), load_board("host"), inputs, build_dir=tmp_path)
        assert result.match and (result.max_abs_diff == 0.0 or not int8), [(c.name, c.max_abs_diff) for c in result.comparisons]


def qparams(rng: np.random.Generator, qtype: str = "int8") -> tuple[float, int]:
    """A random scale and zero point."""
    lo = -20 if qtype == "int8" else 108
    return float(rng.uniform(0.005, 0.05)), int(rng.integers(lo, lo + 41))
