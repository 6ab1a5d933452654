"""TFLite table lookups: EMBEDDING_LOOKUP (float32 table, int8 table into int8 or float32)."""
from __future__ import annotations

from aot.frontends.tflite_ops.common import BOTH

CONVERTERS = {
    "EMBEDDING_LOOKUP": (lambda r, op, ins: ("embedding_lookup", {}, ins[:2]), BOTH),
}
