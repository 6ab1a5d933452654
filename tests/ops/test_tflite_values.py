"""TFLite SHAPE, BROADCAST_ARGS, ZEROS_LIKE, FILL (computed at compile time; FILL of a computed
value broadcast) and CAST: NumPy reference vs tflite-micro and generated C (host, RPC) vs the
reference, on random single-op models; integers bit-exact."""
import numpy as np

from aot.frontends.tflite import load_tflite
from tests.op_models import make
from tests.ops.compare import op_tests

OPS = ["shape", "broadcast_args", "zeros_like", "fill", "cast"]

test_matches_tflm, test_c_matches_reference = op_tests(OPS)
_, test_c_matches_reference_uint8_cast = op_tests(["cast_uint8"])  # tflite-micro casts no uint8


def test_shape_and_constant_fill_leave_no_op_behind_a_consumer():
    """SHAPE's value is a constant by the time the next operator reads it (BROADCAST_ARGS takes
    constant operands only): the model's one op copies the folded result to the output."""
    g = load_tflite(make("broadcast_args", 0, "int32"))
    assert [op.kind for op in g.ops] == ["reshape"] and g.tensor(g.ops[0].inputs[0]).is_const
    assert np.asarray(g.tensor("s").data).dtype == np.int32
