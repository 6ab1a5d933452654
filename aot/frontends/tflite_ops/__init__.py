"""TFLite builtin operator -> IR kind converters, one module per family (see ``common`` for the
converter interface); ``CONVERTERS`` maps each supported builtin name to its converter."""
from __future__ import annotations

from aot.frontends.tflite_ops import elementwise, logic, nn, reduce, shape

CONVERTERS = {**nn.CONVERTERS, **shape.CONVERTERS, **elementwise.CONVERTERS, **reduce.CONVERTERS,
              **logic.CONVERTERS}
