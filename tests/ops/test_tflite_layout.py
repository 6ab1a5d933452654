"""TFLite data movement lowered to several IR ops (PACK, UNPACK, SPLIT, SPLIT_V, DEPTH_TO_SPACE,
SPACE_TO_DEPTH, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, BROADCAST_TO, REVERSE_V2): NumPy reference vs
tflite-micro and generated C (host, RPC) vs the reference, on random single-op models; int8
bit-exact, float32 exact."""
import numpy as np
import pytest

from aot.driver.reference import run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import Model, i32, random_inputs
from tests.op_models.layout import make_space_to_batch_nd
from tests.ops.compare import op_tests, refusals

OPS = ["pack", "unpack", "split", "split_v", "depth_to_space", "space_to_depth", "space_to_batch_nd",
       "batch_to_space_nd", "broadcast_to", "reverse_v2"]

test_matches_tflm, test_c_matches_reference = op_tests(OPS)
_, test_c_matches_reference_padded = op_tests(["space_to_batch_nd_padded"])  # not tflite-micro: see below


def test_requantising_split_is_refused():
    m = Model(np.random.default_rng(0), "int8")
    x = m.input("x", (4, 3), (0.1, 0))
    ys = [m.tensor("y0", (2, 3), (0.1, 0)), m.tensor("y1", (2, 3), (0.2, 1))]
    problems = refusals(m.finish("SPLIT", [i32(m, "axis", [0]), x], ys, num_splits=2))
    assert len(problems) == 1 and problems[0][1] == "SPLIT" and "quantised differently" in problems[0][2]


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("seed", range(10))
def test_space_to_batch_nd_pads_with_a_real_zero(seed, dtype):
    """Padded SPACE_TO_BATCH_ND against NumPy written from TensorFlow's definition (tflite-micro
    pads with an uninitialised value): pad with a real zero, then out[b * N + n, i, j] =
    padded[n, i * bh + b // bw, j * bw + b % bw]."""
    model = make_space_to_batch_nd(np.random.default_rng(seed), dtype, padded=True)
    g = load_tflite(model)
    x = random_inputs(model, np.random.default_rng(seed))[0]
    block = [int(v) for v in g.tensor("block_shape").data]
    pads = g.tensor("paddings").data
    zero = g.tensor("x").quant.tensor_zero_point if dtype == "int8" else 0
    p = np.pad(x, [(0, 0), *[tuple(w) for w in pads], *[(0, 0)] * (x.ndim - 1 - len(block))], constant_values=zero)
    if len(block) == 1:
        p, block = p[:, :, None], block + [1]
    n, bh, bw = p.shape[0], block[0], block[1]
    want = np.stack([p[k % n, k // n // bw::bh, k // n % bw::bw] for k in range(n * bh * bw)])
    got = run_graph(g, {"x": x})["y"]
    np.testing.assert_array_equal(got, want.reshape(got.shape))


def _refused(build) -> tuple[str, str]:
    m = Model(np.random.default_rng(0), "int8")
    problems = refusals(build(m))
    assert len(problems) == 1
    return problems[0][1], problems[0][2]


def test_unsupported_configurations_are_refused_by_name():
    def gather_requantising(m):
        x = m.input("x", (4, 3), (0.1, 0))
        return m.finish("GATHER", [x, i32(m, "i", [1, 2])], [m.output((2, 3), quant=(0.2, 0))], axis=0)

    def depth_to_space_3d(m):
        x = m.input("x", (2, 2, 4), (0.1, 0))
        return m.finish("DEPTH_TO_SPACE", [x], [m.output((4, 4, 1), quant=(0.1, 0))], block_size=2)

    def broadcast_to_mismatch(m):
        x = m.input("x", (3, 2), (0.1, 0))
        return m.finish("BROADCAST_TO", [x, i32(m, "s", [3, 4])], [m.output((3, 4), quant=(0.1, 0))], table=None)

    def cast_to_int64(m):
        x = m.input("x", (3,), (0.1, 0))
        return m.finish("CAST", [x], [m.output((3,), dtype="int64")], in_data_type=0, out_data_type=0)

    assert _refused(gather_requantising) == ("GATHER", "inputs and outputs of GATHER are quantised differently "
                                                       "(requantising is not supported)")
    assert _refused(depth_to_space_3d) == ("DEPTH_TO_SPACE", "DEPTH_TO_SPACE needs a 4-D NHWC input")
    assert _refused(broadcast_to_mismatch)[0] == "BROADCAST_TO"
    assert _refused(cast_to_int64) == ("CAST", "cast is supported between float32, int8, uint8, int16, int32 only")
