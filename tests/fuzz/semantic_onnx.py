"""Semantic ONNX mutants: a small valid float model (Conv, Relu, MaxPool, Flatten, Gemm, Softmax)
or a QDQ one, built with onnx.helper, with one nonsense attribute, shape, name or constant."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

_BAD_INTS = ([0, 0], [], [-1, 1], [1], [0], [1, 1, 1], [2**31 - 1, 1])


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _base(rng, qdq: bool) -> dict:
    inits = {
        "W": rng.uniform(-1, 1, (4, 3, 3, 3)).astype(np.float32), "B": np.zeros(4, np.float32),
        "W2": rng.uniform(-1, 1, (10, 64)).astype(np.float32), "B2": np.zeros(10, np.float32),
    }
    nodes = [
        ["Conv", ["x", "W", "B"], ["c"], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1],
                                          "dilations": [1, 1], "group": 1}],
        ["Relu", ["c"], ["r"], {}],
        ["MaxPool", ["r"], ["p"], {"kernel_shape": [2, 2], "strides": [2, 2]}],
        ["Flatten", ["p"], ["f"], {"axis": 1}],
        ["Gemm", ["f", "W2", "B2"], ["g"], {"transB": 1}],
        ["Softmax", ["g"], ["y"], {"axis": -1}],
    ]
    if qdq:
        inits.update({"s": np.float32(0.05), "z": np.int8(-3), "ws": np.full(4, 0.02, np.float32),
                      "wz": np.zeros(4, np.int8), "Wq": rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)})
        del inits["W"]
        nodes[:0] = [["QuantizeLinear", ["x0", "s", "z"], ["xq"], {}],
                     ["DequantizeLinear", ["xq", "s", "z"], ["x"], {}],
                     ["DequantizeLinear", ["Wq", "ws", "wz"], ["W"], {"axis": 0}]]
    return {"inits": inits, "nodes": nodes, "input": ["x0" if qdq else "x", [1, 3, 8, 8]], "outputs": ["y"]}


def bad_attribute(spec, rng):
    op, _, _, attrs = _pick(rng, [n for n in spec["nodes"] if n[3]])
    key = _pick(rng, list(attrs))
    attrs[key] = _pick(rng, (0, -1, 7, 2**31 - 1)) if isinstance(attrs[key], int) else list(_pick(rng, _BAD_INTS))


def attribute_as_tensor(spec, rng):
    op, _, _, attrs = _pick(rng, [n for n in spec["nodes"] if n[3]])
    key = _pick(rng, list(attrs))
    attrs[key] = numpy_helper.from_array(np.asarray(attrs[key], np.int64))


def bad_input_dims(spec, rng):
    shape = spec["input"][1]
    choice = int(rng.integers(4))
    if choice == 0:
        shape[int(rng.integers(len(shape)))] = _pick(rng, (0, -1, -5))
    elif choice == 1:
        shape[0] = "batch"
    else:
        spec["input"][1] = _pick(rng, ([], [3, 8, 8], [1, 1, 3, 8, 8], [1, 3, 8]))


def bad_initializer(spec, rng):
    name = _pick(rng, list(spec["inits"]))
    value = spec["inits"][name]
    kind = int(rng.integers(4))
    if kind == 0:
        spec["inits"][name] = value.reshape(-1)
    elif kind == 1:
        spec["inits"][name] = value.reshape((1,) + value.shape)
    elif kind == 2:
        spec["inits"][name] = np.zeros((0,) + value.shape[1:], value.dtype)
    else:
        bad = _pick(rng, (0.0, -1.0, float("nan"), float("inf"), 1e-45, 300, 2**31 - 1))
        flat = value.astype(np.float64).reshape(-1)
        if flat.size:
            flat[int(rng.integers(flat.size))] = bad
        with np.errstate(all="ignore"):
            spec["inits"][name] = flat.astype(value.dtype).reshape(value.shape)


def bad_wiring(spec, rng):
    node = _pick(rng, spec["nodes"])
    kind = int(rng.integers(5))
    if kind == 0:
        node[1][int(rng.integers(len(node[1])))] = ""       # a missing (required or optional) input
    elif kind == 1:
        node[1][0] = "nowhere"                              # a tensor nobody makes
    elif kind == 2:
        node[2] = [node[1][0]]                              # writes its own input
    elif kind == 3:
        node[2] = list(_pick(rng, spec["nodes"])[2])        # two writers
    else:
        spec["nodes"] = [spec["nodes"][i] for i in rng.permutation(len(spec["nodes"]))]


def bad_outputs(spec, rng):
    spec["outputs"] = _pick(rng, ([], ["nowhere"], ["y", "y"], ["x"], ["W2"]))


FAMILIES = {f.__name__: f for f in (bad_attribute, attribute_as_tensor, bad_input_dims, bad_initializer,
                                     bad_wiring, bad_outputs)}


def _build(spec) -> bytes:
    nodes = []
    for op, ins, outs, attrs in spec["nodes"]:
        nodes.append(helper.make_node(op, ins, outs))
        nodes[-1].attribute.extend(helper.make_attribute(k, v, attr_type=onnx.AttributeProto.INTS if v == [] else None)
                                   for k, v in attrs.items())
    inits = [numpy_helper.from_array(np.asarray(v), name=k) for k, v in spec["inits"].items()]
    name, shape = spec["input"]
    graph = helper.make_graph(nodes, "fuzz", [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in spec["outputs"]],
                              initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def onnx_mutant(rng: np.random.Generator) -> tuple[str, bytes]:
    """(family name, .onnx bytes) of one semantic mutant."""
    spec = _base(rng, qdq=bool(rng.integers(2)))
    name = _pick(rng, list(FAMILIES))
    FAMILIES[name](spec, rng)
    return name, _build(spec)

