"""TFLite operators of several inputs or outputs (PACK, UNPACK, SPLIT, SPLIT_V), each lowered to
several IR ops (slices, reshapes, a concat): NumPy reference vs tflite-micro and generated C
(host, RPC) vs the reference, on random single-op models; int8 bit-exact, float32 exact."""
import numpy as np

from tests.op_models import Model, i32
from tests.ops.compare import op_tests, refusals

OPS = ["pack", "unpack", "split", "split_v"]

test_matches_tflm, test_c_matches_reference = op_tests(OPS)


def test_requantising_split_is_refused():
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (4, 3), (0.1, 0))
    ys = [m.tensor("y0", (2, 3), (0.1, 0)), m.tensor("y1", (2, 3), (0.2, 1))]
    problems = refusals(m.finish("SPLIT", [i32(m, "axis", [0]), x], ys, num_splits=2))
    assert len(problems) == 1 and problems[0][1] == "SPLIT" and "quantised differently" in problems[0][2]
