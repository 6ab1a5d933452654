"""QUANTIZE (float32 -> int8/int16; int8 -> int8/uint8/int16, uint8 -> int8, int16 -> int8/int16)
and DEQUANTIZE (int8/uint8/int16 -> float32): NumPy reference vs tflite-micro and generated C (host,
RPC) vs the reference, on random single-op models; integers bit-exact, float32 within 1e-5.
Conversions tflite-micro does not run are refused by name."""
import numpy as np
import pytest

from tests.op_models import Model
from tests.ops.compare import op_tests, refusals

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
