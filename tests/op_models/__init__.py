"""Random single-operator .tflite models (int8 or float32) for oracle tests.

One module per operator family (``nn``, ``elementwise``, ``shape``, ``quant``, ``reduce``, ``lookup``), each with
``make_<op>(rng, dtype) -> bytes`` makers and a ``GENERATORS`` table; here ``GENERATORS`` maps
every op to its maker and the dtypes it accepts, ``CASES`` lists every (op, dtype) pair,
``make`` draws one model deterministically and ``random_inputs`` draws inputs for any model.
Shared parts (the ``Model`` under construction, quantisation draws) are in ``base``.
"""
from __future__ import annotations

import zlib
from typing import Callable

import numpy as np

from tests.op_models import (activations, elementwise, layout, logic, lookup, lstm, nn, quant, reduce, sequence,
                             shape, values)
from tests.op_models.activations import FLOAT_UNARY, UNARY  # noqa: F401
from tests.op_models.base import (  # noqa: F401  (the helpers tests use)
    Model,
    clamp_range,
    i32,
    random_inputs,
    random_quant,
    random_shape,
)
from tests.op_models.elementwise import BINARY  # noqa: F401
from tests.op_models.reduce import FLOAT_REDUCE  # noqa: F401

GENERATORS: dict[str, tuple[Callable[..., bytes], tuple[str, ...]]] = {
    **nn.GENERATORS, **elementwise.GENERATORS, **shape.GENERATORS, **layout.GENERATORS, **values.GENERATORS,
    **quant.GENERATORS, **activations.GENERATORS, **reduce.GENERATORS, **lookup.GENERATORS, **logic.GENERATORS,
    **sequence.GENERATORS, **lstm.GENERATORS,
}
CASES = [(op, dtype) for op, (_, dtypes) in GENERATORS.items() for dtype in dtypes]
# Generators of models tflite-micro cannot run (checked only as generated C against the reference).
NOT_FOR_TFLM = shape.NOT_FOR_TFLM | layout.NOT_FOR_TFLM | values.NOT_FOR_TFLM | activations.NOT_FOR_TFLM
TFLM_CASES = [(op, dtype) for op, dtype in CASES if op not in NOT_FOR_TFLM]


def make(op: str, seed: int, dtype: str = "int8") -> bytes:
    """The model for (op, seed, dtype): deterministic, independent of other draws."""
    return GENERATORS[op][0](np.random.default_rng([seed, zlib.crc32(f"{op}/{dtype}".encode())]), dtype)
