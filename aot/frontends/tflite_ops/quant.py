"""TFLite quantisation conversions: QUANTIZE (float32 -> int8/int16 and the integer requantisations
tflite-micro runs) and DEQUANTIZE (int8/uint8/int16 -> float32)."""
from __future__ import annotations

from aot.frontends.tflite_ops.common import Reader, Unsupported, plain

# tflite-micro's QUANTIZE pairs (quantize_common.cc; int32 in or out aside): input -> outputs
QUANTIZE_PAIRS = {"float32": ("int8", "int16"), "int8": ("int8", "uint8", "int16"), "uint8": ("int8",),
                  "int16": ("int8", "int16", "int32")}


def _quantize(r: Reader, op, ins):
    x, y = r.tensors.get(ins[0]), r.tensors.get(r.outs(op)[0])
    if x is None or y is None or y.dtype not in QUANTIZE_PAIRS.get(x.dtype, ()):
        names = [t.dtype if t is not None else "an unsupported type" for t in (x, y)]
        raise Unsupported(f"QUANTIZE {names[0]} -> {names[1]} is not supported")
    return "quantize", {}, ins[:1]


CONVERTERS = {
    "QUANTIZE": (_quantize, ("int8", "uint8", "int16")),
    "DEQUANTIZE": (plain("dequantize"), ("int8", "uint8", "int16")),
}
