"""TFLite builtin operator -> IR kind converters, one module per family (see ``common`` for the
converter interface); ``CONVERTERS`` maps each supported builtin name to its converter."""
from __future__ import annotations

from aot.frontends.tflite_ops import (activations, elementwise, layout, logic, lookup, lstm, nn, quant, reduce,
                                     sequence, shape, values)

CONVERTERS = {**nn.CONVERTERS, **shape.CONVERTERS, **layout.CONVERTERS, **values.CONVERTERS, **elementwise.CONVERTERS,
              **logic.CONVERTERS, **activations.CONVERTERS, **reduce.CONVERTERS, **quant.CONVERTERS, **lookup.CONVERTERS,
              **lstm.CONVERTERS, **sequence.CONVERTERS}
