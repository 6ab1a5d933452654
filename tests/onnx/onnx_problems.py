"""The problems the compiler lists for a single-node ONNX model (import, passes, the ops' checks)."""
from __future__ import annotations

import numpy as np

from aot.driver.compiler import prepare
from aot.frontends.onnx import import_model
from tests.ops.onnx_single import node_model


def problems(op_type: str, inputs: dict[str, np.ndarray], consts=None, **attrs) -> list[str]:
    """The reasons given for the node, in order ([] when it compiles)."""
    g, found = import_model(node_model(op_type, inputs, consts or {}, **attrs), op_type)
    if not found:
        _, found = prepare(g)
    return [p[2] for p in found]
