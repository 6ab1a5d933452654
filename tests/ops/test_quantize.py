"""QUANTIZE (float32 -> int8/int16; int8 -> int8/uint8/int16, uint8 -> int8, int16 -> int8/int16)
and DEQUANTIZE (int8/uint8/int16 -> float32): NumPy reference vs tflite-micro and generated C (host,
RPC) vs the reference, on random single-op models; integers bit-exact, float32 within 1e-5.
Conversions tflite-micro does not run are refused by name. A uint8-in, uint8-out model runs end to
end."""
import hashlib
from pathlib import Path

import numpy as np
import pytest
import tflite

from aot.driver.compiler import compile_graph
from aot.driver.reference import run_graph
from aot.driver.runner import run_on_board
from aot.frontends.tflite import load_tflite
from aot.target.boards import load_board
from tests.op_models import Model
from tests.ops.compare import assert_same, op_tests, refusals
from tests.tflm import run_tflm

OPS = ["quantize", "requantize", "requantize_from_uint8", "requantize_from_int16", "dequantize"]

test_matches_tflm, test_c_matches_reference = op_tests(OPS)


@pytest.mark.parametrize("src,dst", [("float32", "uint8"), ("uint8", "uint8"), ("uint8", "int16")])
def test_unsupported_pair_is_refused(src, dst):
    m = Model(np.random.default_rng(0), "int8")
    quant = {"scale": 0.1, "zero_point": 0}
    x = m.b.add_tensor("x", (2, 3), src, **({} if src == "float32" else quant))
    m.inputs.append(x)
    y = m.b.add_tensor("y", (2, 3), dst, **quant)
    m.b.add_op("QUANTIZE", [x], [y])
    m.b.set_io([x], [y])
    assert refusals(m.b.finish()) == [("#0", "QUANTIZE", f"QUANTIZE {src} -> {dst} is not supported")]


def _uint8_image_model() -> bytes:
    """An old-style model: a uint8 image in, QUANTIZE to int8, an int8 MEAN over H and W, QUANTIZE
    back to a uint8 output, and an ARG_MAX of the means."""
    b = Model(np.random.default_rng(0), "int8").b
    x = b.add_tensor("image", (1, 6, 5, 3), "uint8", scale=0.02, zero_point=128)
    q = b.add_tensor("q", (1, 6, 5, 3), "int8", scale=0.02, zero_point=0)
    m = b.add_tensor("m", (1, 1, 1, 3), "int8", scale=0.015, zero_point=-3)
    out = b.add_tensor("out", (1, 1, 1, 3), "uint8", scale=0.015, zero_point=125)
    am = b.add_tensor("am", (1, 1, 1), "int32")
    b.add_op("QUANTIZE", [x], [q])
    b.add_op("MEAN", [q, b.add_tensor("hw", (2,), "int32", data=np.array([1, 2], np.int32))], [m], keep_dims=True)
    b.add_op("QUANTIZE", [m], [out])
    b.add_op("ARG_MAX", [m, b.add_tensor("c", (1,), "int32", data=np.array([3], np.int32))], [am],
             output_type=tflite.TensorType.INT32)
    b.set_io([x], [out, am])
    return b.finish()


@pytest.mark.parametrize("seed", range(3))
def test_uint8_model_end_to_end(seed, tmp_path):
    """uint8 graph input and output: the reference equals tflite-micro, the host C the reference."""
    model = _uint8_image_model()
    g = load_tflite(model)
    x = np.random.default_rng(seed).integers(0, 256, (1, 6, 5, 3), dtype=np.uint8)
    want = run_tflm(model, [x])
    got = run_graph(g, {g.inputs[0]: x})
    for name, w in zip(g.outputs, want):
        assert_same(got[name], w, f"uint8 model output {name!r}")
    g.name = f"uint8_model_{seed}"
    cm = compile_graph(g, Path(f"{g.name}.tflite"), hashlib.sha256(model).hexdigest())
    result = run_on_board(cm, load_board("host"), {g.inputs[0]: x}, build_dir=tmp_path)
    assert all(c.max_abs_diff == 0 for c in result.comparisons), result.comparisons
