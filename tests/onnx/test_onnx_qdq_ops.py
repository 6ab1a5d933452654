"""QDQ forms of ONNX operators (QuantizeLinear / DequantizeLinear around the node, as
onnxruntime.quantization.quantize_static emits them): int8 kernels where the QDQ semantics allow
it exactly, float between the Q/DQ otherwise; the reference within one quantisation step of
onnxruntime, the host C bit-exact with the reference. uint8 activations (QuantType.QUInt8) too."""
import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from aot.driver.compiler import compile_file, prepare
from aot.frontends.onnx import import_model
from tests.onnx.models import (
    MODELS,
    onnxruntime_outputs,
    quantize_qdq,
    reference,
    run_host,
)
from tests.onnx.qdq_single import check_qdq, qparams


@pytest.mark.parametrize("name,shape", [("mnist8/model.onnx", (1, 1, 28, 28)), ("atmega_mnist_simplified.onnx", (1, 1, 14, 14))])
def test_uint8_activations_model(name, shape, tmp_path):
    """onnxruntime's QUInt8 activations: the uint8 zero points move by -128 onto our int8 kernels."""
    path = quantize_qdq(MODELS / name, tmp_path / "qdq.onnx", shape, activations="QUInt8")
    g = compile_file(path).graph
    kernels = [op for op in g.ops if op.kind in ("conv2d", "fully_connected")]
    assert kernels and all(g.tensor(op.inputs[0]).dtype == "int8" for op in kernels), "QDQ not folded into int8 kernels"
    out_scale = g.tensor(g.ops[-1].inputs[0]).quant.tensor_scale
    rng = np.random.default_rng(3)
    for _ in range(5):
        feeds = {g.inputs[0]: rng.uniform(0, 1, shape).astype(np.float32)}
        got, want = reference(path, feeds)[0], onnxruntime_outputs(path, feeds)[0]
        assert np.abs(got - want).max() <= out_scale * 1.001, "more than one quantisation step from onnxruntime"
    assert run_host(path, feeds, tmp_path / "build").max_abs_diff == 0.0


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("op_type", ["ArgMax", "ArgMin"])
def test_arg_of_dequantized_runs_on_int8(op_type, seed, tmp_path):
    rng = np.random.default_rng(seed)
    qtype = ("int8", "uint8")[seed % 2]
    x = rng.uniform(-1, 1, (2, 5, 3)).astype(np.float32)
    check_qdq("arg_minmax", True, op_type, {"x": x}, in_q=[qparams(rng, qtype)], qtype=qtype, opset=13,
              tmp_path=tmp_path if seed < 2 else None, axis=int(rng.integers(-3, 3)), keepdims=seed % 2,
              select_last_index=int(rng.integers(0, 2)))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("op_type", ["ReduceMax", "ReduceMin"])
def test_reduce_max_min_run_on_int8(op_type, seed, tmp_path):
    """Same parameters in and out: exact; others: an int8 requantisation after, within a step."""
    rng = np.random.default_rng(seed)
    qtype = ("int8", "uint8")[seed % 2]
    x = rng.uniform(-1, 1, (3, 4, 2)).astype(np.float32)
    q = qparams(rng, qtype)
    check_qdq("reduce", True, op_type, {"x": x}, in_q=[q], out_q=q if seed < 2 else qparams(rng, qtype), qtype=qtype,
              tmp_path=tmp_path if seed in (0, 3) else None, axes=[int(rng.integers(-3, 3))], keepdims=seed // 2)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("op_type", ["ReduceMean", "ReduceSum"])
def test_reduce_mean_sum_stay_float(op_type, seed, tmp_path):
    """int8 MEAN / SUM round differently from dequantize -> float -> quantize: float between Q/DQ."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (3, 4, 2)).astype(np.float32)
    check_qdq("reduce", False, op_type, {"x": x}, in_q=[qparams(rng)], out_q=qparams(rng), opset=13 if op_type == "ReduceMean" else 11,
              tmp_path=tmp_path if seed == 0 else None, axes=[1])


def test_cumsum_stays_float(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, (3, 4)).astype(np.float32)
    check_qdq("cumsum", False, "CumSum", {"x": x}, {"axis": np.array(1, np.int64)}, in_q=[qparams(rng)], out_q=(0.05, 0),
              tmp_path=tmp_path, reverse=1)


UNARY = ["Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "LeakyRelu", "Elu", "Relu", "Clip", "Abs", "Neg", "Exp", "Erf",
         "Gelu", "Sin", "Cos", "Round", "Floor", "Ceil", "Sign", "Softplus", "Softsign", "Mish", "Selu"]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("op_type", UNARY)
def test_unary_runs_as_an_int8_table(op_type, seed, tmp_path):
    """dequantize -> f -> quantize over the 256 int8 (or uint8) values: exact against the float ops,
    within a step of onnxruntime (which rounds halves to even, we away from zero)."""
    rng = np.random.default_rng(seed)
    qtype = ("int8", "uint8")[seed % 2]
    x = rng.uniform(-3, 3, (2, 3, 5)).astype(np.float32)
    x.flat[:3] = [-3.0, 0.0, 3.0]
    in_q = (float(rng.uniform(0.02, 0.04)), 0 if qtype == "int8" else 128)
    out_q = qparams(rng, qtype)
    consts = {"lo": np.array(-0.5, np.float32), "hi": np.array(1.5, np.float32)} if op_type == "Clip" else {}
    check_qdq("unary", True, op_type, {"x": x}, consts, in_q=[in_q], out_q=out_q, qtype=qtype, opset=20,
              tmp_path=tmp_path if seed == 0 else None)


def test_relu_after_conv_still_fuses():
    """A QDQ Relu right after an int8 conv stays the conv's fused activation, not a table."""
    rng = np.random.default_rng(0)
    w = rng.integers(-100, 100, (4, 3, 3, 3)).astype(np.int8)
    inits = {"w": w, "ws": np.array(0.01, np.float32), "wz": np.array(0, np.int8), "s": np.array(0.02, np.float32),
             "z": np.array(0, np.int8), "ys": np.array(0.05, np.float32), "yz": np.array(-128, np.int8)}
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"]), helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xd"]),
             helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"]), helper.make_node("Conv", ["xd", "wd"], ["c"]),
             helper.make_node("QuantizeLinear", ["c", "ys", "yz"], ["cq"]), helper.make_node("DequantizeLinear", ["cq", "ys", "yz"], ["cd"]),
             helper.make_node("Relu", ["cd"], ["r"]),
             helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["rq"]), helper.make_node("DequantizeLinear", ["rq", "ys", "yz"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 6, 6])],
                              [helper.make_empty_tensor_value_info("y")], [numpy_helper.from_array(v, n) for n, v in inits.items()])
    g, problems = import_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    g, problems = prepare(g)
    assert not problems and "unary" not in [op.kind for op in g.ops], [op.kind for op in g.ops]


I64 = lambda *v: np.array(v, np.int64)  # noqa: E731
MOVES = [  # (kind, op_type, x shape, consts, attrs)
    ("gather", "Gather", (3, 4, 5), {"i": I64(2, -1, 0)}, {"axis": 1}),
    ("slice", "Expand", (3, 1), {"s": I64(2, 3, 4)}, {}),
    ("concat", "Tile", (2, 3), {"r": I64(2, 2)}, {}),
    ("transpose", "DepthToSpace", (1, 8, 2, 3), {}, {"blocksize": 2, "mode": "CRD"}),
    ("transpose", "SpaceToDepth", (1, 2, 4, 6), {}, {"blocksize": 2}),
    ("slice", "Slice", (4, 6), {"st": I64(1, -1), "en": I64(4, -6), "ax": I64(0, 1), "sp": I64(2, -2)}, {}),
    ("pad", "Pad", (2, 3, 4), {"p": I64(0, 1, 2, 1, 0, 3)}, {"mode": "reflect"}),
    ("pad", "Pad", (2, 3, 4), {"p": I64(1, 0, 2, 0, 2, 1)}, {"mode": "edge"}),
    ("concat", "Pad", (2, 3, 4), {"p": I64(1, 0, 2, 1, 0, 3)}, {"mode": "wrap"}),
    ("slice", "Pad", (2, 3, 4), {"p": I64(0, -1, 2, 1, 0, -1)}, {}),
    ("pad", "Pad", (2, 3, 4), {"p": I64(1, 0, 2, 0, 2, 1)}, {}),
    ("reduce", "ReduceMax", (2, 3, 4), {}, {"axes": [0, 2]}),
]


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("case", MOVES, ids=lambda c: f"{c[1]}-{c[4].get('mode', '')}-{list(c[3].values())[0].tolist() if c[3] else ''}")
def test_data_movement_runs_on_int8(case, seed, tmp_path):
    """Each output element is an input element: the op runs on the int8 values, bit-exact with
    onnxruntime (same parameters in and out)."""
    kind, op_type, shape, consts, attrs = case
    rng = np.random.default_rng(seed)
    qtype = ("int8", "uint8")[seed]
    q = qparams(rng, qtype)
    check_qdq(kind, True, op_type, {"x": rng.uniform(-1, 1, shape).astype(np.float32)}, consts, in_q=[q], out_q=q, qtype=qtype,
              opset=19 if attrs.get("mode") == "wrap" else 13, tmp_path=tmp_path if seed == 0 else None, **attrs)


def test_pad_value_off_the_int8_grid_stays_float(tmp_path):
    x = np.random.default_rng(1).uniform(-1, 1, (2, 3)).astype(np.float32)
    consts = {"p": I64(1, 1, 1, 1), "v": np.array(0.013, np.float32)}
    check_qdq("pad", False, "Pad", {"x": x}, consts, in_q=[(0.01, 3)], out_q=(0.01, 3), opset=13, tmp_path=tmp_path)


FLOAT_BETWEEN = [  # (kind, op_type, consts, attrs): no int8 kernel equals onnxruntime's QDQ arithmetic
    ("prelu", "PRelu", {"slope": np.array([[0.25], [-0.5], [0.1]], np.float32)}, {}),
    ("log_softmax", "LogSoftmax", {}, {"axis": 1}),
    ("binary", "Mul", {"c": np.array([0.5, -1.5, 2.0, 0.25], np.float32)}, {}),
    ("binary", "Div", {"c": np.array([0.5, -1.5, 2.0, 0.25], np.float32)}, {}),
    ("binary", "Sub", {"c": np.array([0.5, -1.5, 2.0, 0.25], np.float32)}, {}),
    ("reduce", "ReduceMean", {}, {"axes": [2]}),
]


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("case", FLOAT_BETWEEN, ids=lambda c: c[1])
def test_float_between_qdq_within_a_step(case, seed, tmp_path):
    kind, op_type, consts, attrs = case
    rng = np.random.default_rng(seed)
    qtype = ("int8", "uint8")[seed]
    x = rng.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    check_qdq(kind, False, op_type, {"x": x}, consts, in_q=[qparams(rng, qtype)], out_q=qparams(rng, qtype), qtype=qtype, opset=13,
              tmp_path=tmp_path if seed == 0 else None, **attrs)


@pytest.mark.parametrize("qtype", ["int8", "uint8"])
def test_concat_of_two_dequantized_runs_on_int8(qtype, tmp_path):
    rng = np.random.default_rng(5)
    q = qparams(rng, qtype)
    inputs = {"a": rng.uniform(-1, 1, (2, 3)).astype(np.float32), "b": rng.uniform(-1, 1, (2, 5)).astype(np.float32)}
    check_qdq("concat", True, "Concat", inputs, in_q=[q, q], out_q=q, qtype=qtype, tmp_path=tmp_path, axis=1)


@pytest.mark.parametrize("qtype", ["int8", "uint8"])
@pytest.mark.parametrize("op_type", ["Max", "Min"])
def test_max_min_of_two_dequantized_alike_run_on_int8(op_type, qtype, tmp_path):
    rng = np.random.default_rng(6)
    q = qparams(rng, qtype)
    inputs = {"a": rng.uniform(-1, 1, (2, 3, 4)).astype(np.float32), "b": rng.uniform(-1, 1, (3, 1)).astype(np.float32)}
    check_qdq("binary", True, op_type, inputs, in_q=[q, q], out_q=q, qtype=qtype, tmp_path=tmp_path, opset=13)


@pytest.mark.parametrize("qtype", ["int8", "uint8"])
def test_where_of_values_dequantized_alike_runs_on_int8(qtype, tmp_path):
    rng = np.random.default_rng(7)
    q = qparams(rng, qtype)
    inputs = {"c": rng.integers(0, 2, (2, 1, 4)).astype(bool), "x": rng.uniform(-1, 1, (2, 3, 4)).astype(np.float32),
              "z": rng.uniform(-1, 1, (4,)).astype(np.float32)}
    check_qdq("select", True, "Where", inputs, in_q=[None, q, q], out_q=q, qtype=qtype, tmp_path=tmp_path)


@pytest.mark.parametrize("activations", ["QInt8", "QUInt8"])
def test_onnxruntime_quantised_block(activations, tmp_path):
    """Conv -> SiLU (Sigmoid, Mul) -> reflect Pad -> Tanh -> ReduceMax -> ReduceMean through
    onnxruntime's quantize_static: the sigmoid runs as an int8 table, the pad on int8, the rest as
    its QDQ allows; within one output step of onnxruntime, the host C matching the reference."""
    rng = np.random.default_rng(0)
    inits = {"w": rng.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32), "b": rng.normal(0, 0.1, 4).astype(np.float32),
             "pads": I64(0, 0, 1, 1, 0, 0, 1, 1)}
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Sigmoid", ["c"], ["s"]),
             helper.make_node("Mul", ["c", "s"], ["m"]), helper.make_node("Pad", ["m", "pads"], ["p"], mode="reflect"),
             helper.make_node("Tanh", ["p"], ["t"]), helper.make_node("ReduceMax", ["t"], ["r"], axes=[3], keepdims=0),
             helper.make_node("ReduceMean", ["r"], ["y"], axes=[2], keepdims=0)]
    graph = helper.make_graph(nodes, "block", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, n) for n, v in inits.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(tmp_path / "block.onnx"))
    path = quantize_qdq(tmp_path / "block.onnx", tmp_path / "qdq.onnx", (1, 3, 8, 8), activations=activations)
    g = compile_file(path).graph
    int8_kinds = {op.kind for op in g.ops if g.tensor(op.inputs[0]).dtype == "int8"}
    assert {"conv2d", "unary", "pad"} <= int8_kinds, [(op.kind, g.tensor(op.inputs[0]).dtype) for op in g.ops]
    # tanh, max and mean do not widen an error: one step of the last quantised tensor
    step = [g.tensor(op.inputs[0]).quant.tensor_scale for op in g.ops if op.kind == "dequantize"][-1]
    for _ in range(5):
        feeds = {"x": rng.uniform(0, 1, (1, 3, 8, 8)).astype(np.float32)}
        got, want = reference(path, feeds)[0], onnxruntime_outputs(path, feeds)[0]
        assert np.abs(got - want).max() <= step * 1.001, "more than one quantisation step from onnxruntime"
    run_host(path, feeds, tmp_path / "build")
