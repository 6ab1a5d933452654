"""Ops that write their output over their input (aot/planner/inplace.py): the planner only
shares storage that dies at the op, and the in-place C kernels stay bit-exact, in both walk
directions of the pointwise convolution and for strided depthwise convolutions."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from aot.driver.compiler import compile_file, compile_graph
from aot.driver.reference import random_inputs
from aot.driver.runner import run_on_board
from aot.frontends.tflite import load_tflite
from aot.target.boards import load_board
from tests.models_list import model_path
from tests.tflite_builder import TFLiteBuilder


def _conv_model(rng, kind: str, shape, out_channels: int, stride: int, dtype: str) -> bytes:
    n, h, w, c = shape
    b = TFLiteBuilder()
    q = dtype == "int8"
    x = b.add_tensor("x", shape, dtype, **({"scale": 0.05, "zero_point": 3} if q else {}))
    if kind == "CONV_2D":
        wshape, oc = (out_channels, 1, 1, c), out_channels
    else:
        wshape, oc = (1, 3, 3, c), c
    if q:
        wdata = rng.integers(-127, 128, size=wshape, dtype=np.int8)
        scales = rng.uniform(0.002, 0.02, size=oc)
        wt = b.add_tensor("w", wshape, "int8", data=wdata, scale=scales, zero_point=np.zeros(oc, np.int64),
                          quantized_dimension=0 if kind == "CONV_2D" else 3)
        bias = b.add_tensor("b", (oc,), "int32", data=rng.integers(-500, 500, size=oc, dtype=np.int32),
                            scale=0.05 * scales, zero_point=np.zeros(oc, np.int64))
    else:
        wt = b.add_tensor("w", wshape, "float32", data=rng.uniform(-1, 1, wshape).astype(np.float32))
        bias = b.add_tensor("b", (oc,), "float32", data=rng.uniform(-1, 1, oc).astype(np.float32))
    oh, ow = (h + stride - 1) // stride, (w + stride - 1) // stride
    y = b.add_tensor("y", (n, oh, ow, oc), dtype, **({"scale": 0.1, "zero_point": -5} if q else {}))
    options = {"padding": "SAME", "stride": (stride, stride), "activation": "RELU6"}
    if kind != "CONV_2D":
        options["depth_multiplier"] = 1
    b.add_op(kind, [x, wt, bias], [y], **options)
    b.set_io([x], [y])
    return b.finish()


CASES = [
    ("CONV_2D", (1, 5, 7, 8), 16, 1, "int8"),   # wider output: walks backward
    ("CONV_2D", (1, 6, 4, 16), 8, 1, "int8"),   # narrower output: walks forward
    ("CONV_2D", (1, 3, 3, 12), 12, 1, "float32"),
    ("DEPTHWISE_CONV_2D", (1, 9, 7, 6), 0, 1, "int8"),
    ("DEPTHWISE_CONV_2D", (1, 9, 8, 5), 0, 2, "int8"),  # strided: output a prefix of the input
    ("DEPTHWISE_CONV_2D", (1, 6, 6, 4), 0, 1, "float32"),
]


@pytest.mark.parametrize("kind,shape,oc,stride,dtype", CASES)
def test_single_op_in_place_is_bit_exact(kind, shape, oc, stride, dtype, tmp_path):
    model = _conv_model(np.random.default_rng(len(shape) + oc + stride), kind, shape, oc, stride, dtype)
    g = load_tflite(model)
    cm = compile_graph(g, Path("inplace.tflite"), hashlib.sha256(model).hexdigest())
    assert cm.plan.in_place == {0}, "the planner should run this single op in place"
    assert cm.plan.offset(g.inputs[0]) == cm.plan.offset(g.outputs[0])
    x, y = g.tensor(g.inputs[0]), g.tensor(g.outputs[0])
    scratch = cm.plan.offsets.get("scratch#0", None)
    expected_arena = max(x.nbytes, y.nbytes) + (x.shape[1] * x.shape[2] * x.np_dtype.itemsize if kind != "CONV_2D" else 0)
    assert cm.plan.arena_bytes <= -(-expected_arena // 4) * 4 + 4
    if kind != "CONV_2D":
        assert scratch is not None
    result = run_on_board(cm, load_board("host"), random_inputs(g, 1), build_dir=tmp_path)
    assert result.match and (dtype != "int8" or result.max_abs_diff == 0), [(c.max_abs_diff, c.tolerance) for c in result.comparisons]


def test_real_models_use_in_place_and_share_only_dying_storage():
    cm = compile_file(model_path("vww_96_int8"))
    kinds = {cm.graph.ops[i].kind for i in cm.plan.in_place}
    assert "conv2d" in kinds or "depthwise_conv2d" in kinds
    uses = cm.graph.consumers()
    for i in cm.plan.in_place:
        op = cm.graph.ops[i]
        src = next(n for n in op.inputs if n is not None and cm.plan.offset(n) == cm.plan.offset(op.outputs[0]))
        assert max(uses[src]) == i and src not in cm.graph.outputs, f"op {i} overwrites {src} which is read later"
    assert cm.plan.arena_bytes < cm.plan.largest_op_bytes
