"""fuse_pad: a real-zero constant pad of H and W disappears into the conv's own padding, and
the NumPy reference gives the same bits before and after; other pads stay."""
import copy

import numpy as np
import pytest

from aot.core.ir import Graph, Op, Quant, Tensor
from aot.driver.reference import random_inputs, run_graph
from aot.passes.fuse_pad import fuse_pad


def _graph(dtype: str, pad_value, before=(0, 1, 2, 0), after=(0, 2, 0, 0), kind="conv2d") -> Graph:
    rng = np.random.default_rng(3)
    q = dtype == "int8"
    xq = Quant([0.05], [7]) if q else None
    x = Tensor("x", (1, 6, 5, 3), dtype, xq)
    p = Tensor("p", tuple(n + b + a for n, b, a in zip(x.shape, before, after)), dtype, xq)
    if kind == "conv2d":
        wshape, attrs = (4, 3, 3, 3), {}
    else:
        wshape, attrs = (1, 3, 3, 3), {"depth_multiplier": 1}
    oc = wshape[0] if kind == "conv2d" else wshape[3]
    if q:
        w = Tensor("w", wshape, "int8", Quant(rng.uniform(0.01, 0.02, oc), np.zeros(oc), 0 if kind == "conv2d" else 3),
                   rng.integers(-127, 128, wshape, dtype=np.int8))
    else:
        w = Tensor("w", wshape, "float32", None, rng.uniform(-1, 1, wshape).astype(np.float32))
    oh, ow = p.shape[1] - 2, p.shape[2] - 2
    y = Tensor("y", (1, oh, ow, oc), dtype, Quant([0.1], [-3]) if q else None)
    ops = [Op("pad", ["x"], ["p"], {"before": list(before), "after": list(after), "mode": "constant", "value": pad_value}),
           Op(kind, ["p", "w", None], ["y"], {"stride": (1, 1), "dilation": (1, 1), "pad": (0, 0, 0, 0), "activation": "NONE", **attrs})]
    return Graph({t.name: t for t in (x, p, w, y)}, ops, ["x"], ["y"])


@pytest.mark.parametrize("dtype,value,kind", [("int8", 7, "conv2d"), ("float32", 0.0, "conv2d"), ("int8", 7, "depthwise_conv2d")])
def test_real_zero_pad_fuses_bit_exactly(dtype, value, kind):
    g = _graph(dtype, value, kind=kind)
    inputs = random_inputs(g, 0)
    before = run_graph(g, inputs)
    h = fuse_pad(copy.deepcopy(g))
    assert [op.kind for op in h.ops] == [kind]
    assert h.ops[0].attrs["pad"] == (1, 2, 2, 0)
    np.testing.assert_array_equal(run_graph(h, inputs)["y"], before["y"])


@pytest.mark.parametrize("dtype,value,before", [("int8", 0, (0, 1, 1, 0)), ("float32", 1.5, (0, 1, 1, 0)), ("int8", 7, (0, 0, 0, 1))])
def test_other_pads_stay(dtype, value, before):
    g = _graph(dtype, value, before=before, after=(0, 0, 0, 0))
    h = fuse_pad(copy.deepcopy(g))
    assert [op.kind for op in h.ops] == ["pad", "conv2d"]
