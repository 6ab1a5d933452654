"""TFLite quantisation conversions: QUANTIZE and DEQUANTIZE."""
from __future__ import annotations

from aot.frontends.tflite_ops.common import INT8, plain

CONVERTERS = {
    "QUANTIZE": (plain("quantize"), INT8),
    "DEQUANTIZE": (plain("dequantize"), INT8),
}
