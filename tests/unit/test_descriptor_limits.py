"""Models the C descriptors cannot hold are refused up front with the tensor named, not turned
into C that does not compile: a graph input or output of more than AOT_MAX_DIMS dims, a tensor
with no elements."""
import re
from pathlib import Path

import numpy as np

from aot.core.ir import MAX_IO_DIMS
from tests.op_models import Model, i32
from tests.ops.compare import refusals

ROOT = Path(__file__).resolve().parents[2]


def test_python_and_c_agree_on_the_dims_limit():
    header = (ROOT / "runtime_c" / "include" / "aot_model.h").read_text()
    assert int(re.search(r"#define AOT_MAX_DIMS (\d+)", header).group(1)) == MAX_IO_DIMS


def test_output_of_too_many_dims_is_refused():
    m = Model(np.random.default_rng(0), "float32")
    shape = (1,) * (MAX_IO_DIMS + 1)
    x = m.input("x", (1,))
    model = m.finish("RESHAPE", [x, i32(m, "shape", shape)], [m.output(shape)])
    assert refusals(model) == [("graph", "output", f"tensor 'y' has {MAX_IO_DIMS + 1} dims; a graph output has at "
                                                   f"most {MAX_IO_DIMS}")]


def test_empty_tensor_is_refused():
    m = Model(np.random.default_rng(0), "float32")
    x = m.input("x", (2, 0))
    model = m.finish("RELU", [x], [m.output((2, 0))])
    assert ("graph", "tensor", "tensor 'x' has no elements (shape [2, 0])") in refusals(model)
