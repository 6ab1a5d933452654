"""The int16 forms (16x8) of the unary kind's functions tflite-micro runs in int16, bit-exact:

- sigmoid, tanh: reference_integer_ops::Logistic / Tanh (int16): the input rescaled so that 2^9
  (tanh: 2^8) steps are 1/24 of the sigmoid's argument, then TFLM's 256-entry table of the sigmoid
  interpolated (tanh(x) = 2 sigmoid(2x) - 1); zero points 0 and the output scale 2^-15, as
  logistic_common.cc / tanh.cc require;
- leaky_relu: QuantizeLeakyRelu (aot/ops/int8_tables.py leaky_relu), clamped to int16;
- relu: ReluQuantized (requantised, clamped to [0, 32767]; zero points 0); clip (RELU6): the input
  clamped to 0 and 6 quantised with its own parameters (int8_tables.clip_bounds in int16).

``constants(fn, attrs, x_quant, y_quant)`` -> what the kernel needs (NotInt16 with the reason when
tflite-micro refuses the configuration); ``apply(fn, c, x)`` -> the int16 outputs. ``logistic`` and
``tanh`` of an input scaled by (multiplier, right shift) are the LSTM's gate functions too.
"""
from __future__ import annotations

import math

import numpy as np

from aot.core import quant
from aot.ops import int8_tables

FUNCTIONS = ("sigmoid", "tanh", "leaky_relu", "relu", "clip")
# sigmoid_table_uint16 (tensorflow/lite/kernels/internal/common.h): sigmoid(i / 24) in 0.16
SIGMOID_TABLE_UINT16 = np.array([
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
], dtype=np.int64)
# the interpolation step (bits of the rescaled input per table entry): sigmoid 9, tanh 8
STEP_BITS = {"sigmoid": 9, "tanh": 8}


class NotInt16(Exception):
    """One reason a function's int16 form is not supported as configured."""


def _checked_log2(x: float) -> tuple[bool, int]:
    """CheckedLog2 (float arithmetic): whether x is a power of two (within 1e-3 of an exponent), and it."""
    f = np.float32
    log2 = f(np.log(f(x))) * (f(1) / f(np.log(f(2))))
    rounded = f(math.copysign(math.floor(abs(float(log2)) + 0.5), float(log2)))
    return bool(abs(log2 - rounded) < f(1e-3)), int(rounded)


def _input_rescale(fn: str, x_scale: float) -> tuple[int, int]:
    """(input_multiplier, input_left_shift) of logistic_common.cc / tanh.cc, the power-of-two
    case already turned into 3 << shift with no shift, as the kernels do."""
    pot, log2 = _checked_log2(x_scale)
    left_shift = 15 - 3 + log2
    if pot and left_shift in ((0,) if fn == "sigmoid" else (0, 1)):
        return 3 << left_shift, 0
    multiplier, left_shift = float(np.float32(x_scale)) * 4096.0 * 3.0, 0
    while multiplier <= 32767.0 / 2.0 and left_shift <= 30:
        left_shift += 1
        multiplier *= 2.0
    return int(multiplier), left_shift


def constants(fn: str, attrs: dict, x_quant, y_quant) -> dict:
    """The kernel's constants: sigmoid / tanh {multiplier, left_shift}; leaky_relu
    {x_zero_point, y_zero_point, multipliers ((m, shift) for x >= 0, for x < 0)}; relu
    {multiplier, shift}; clip {lo, hi}."""
    if fn not in FUNCTIONS:
        raise NotInt16(f"int16 {fn} is not supported")
    if not (x_quant is not None and y_quant is not None and x_quant.per_tensor and y_quant.per_tensor):
        raise NotInt16(f"int16 {fn} needs per-tensor quantisation of its input and output")
    if fn == "leaky_relu":
        return {"x_zero_point": x_quant.tensor_zero_point, "y_zero_point": y_quant.tensor_zero_point,
                "multipliers": int8_tables.leaky_relu_multipliers(x_quant.tensor_scale, y_quant.tensor_scale, attrs["alpha"])}
    if fn == "clip":
        lo, hi = int8_tables.clip_bounds(x_quant.tensor_scale, x_quant.tensor_zero_point, attrs, -32768, 32767)
        return {"lo": lo, "hi": hi}
    if fn == "relu":
        if x_quant.tensor_zero_point or y_quant.tensor_zero_point:
            raise NotInt16("int16 RELU needs zero points 0")
        multiplier, shift = int8_tables.relu_multiplier(x_quant.tensor_scale, y_quant.tensor_scale)
        return {"multiplier": multiplier, "shift": shift}
    name = "LOGISTIC" if fn == "sigmoid" else "TANH"
    pot, log2 = _checked_log2(y_quant.tensor_scale)
    if x_quant.tensor_zero_point or y_quant.tensor_zero_point or not pot or log2 != -15:
        raise NotInt16(f"int16 {name} needs zero points 0 and the output scale 1/32768")
    multiplier, left_shift = _input_rescale(fn, x_quant.tensor_scale)
    return {"multiplier": multiplier, "left_shift": left_shift}


def apply(fn: str, c: dict, x: np.ndarray) -> np.ndarray:
    """The int16 outputs of ``fn`` for the int16 inputs ``x``."""
    if fn == "leaky_relu":
        out = int8_tables.leaky_relu(x, c["x_zero_point"], c["y_zero_point"], c["multipliers"])
        return np.clip(out, -32768, 32767).astype(np.int16)
    if fn == "clip":
        return np.clip(x, c["lo"], c["hi"]).astype(np.int16)
    if fn == "relu":
        return np.clip(quant.mbqm(x.astype(np.int64), c["multiplier"], c["shift"]), 0, 32767).astype(np.int16)
    return (logistic if fn == "sigmoid" else tanh)(x, c["multiplier"], c["left_shift"])


def _interpolate(x, multiplier: int, shift: int, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The input scaled to (x * multiplier + rounding) >> shift; the sigmoid table interpolated at its
    magnitude in steps of 2^bits; where that magnitude saturates the table."""
    v = (np.asarray(x, np.int64) * multiplier + (1 << (shift - 1) if shift > 0 else 0)) >> shift
    a = np.abs(v)
    uh = np.minimum(a >> bits, 254)
    ua, ub = SIGMOID_TABLE_UINT16[uh], SIGMOID_TABLE_UINT16[uh + 1]
    return v, (ua << bits) + (a & ((1 << bits) - 1)) * (ub - ua), (a >> bits) >= 255


def logistic(x, multiplier: int, shift: int) -> np.ndarray:
    """reference_integer_ops::Logistic (int16) of the input scaled by (multiplier, right shift): Q0.15."""
    v, r, saturated = _interpolate(x, multiplier, shift, STEP_BITS["sigmoid"])
    r = np.where(saturated, 0x7FFF << 10, r)
    return (np.where(v >= 0, r + (1 << 9), (1 << 25) - r + (1 << 9) - 1) >> 10).astype(np.int16)


def tanh(x, multiplier: int, shift: int) -> np.ndarray:
    """reference_integer_ops::Tanh (int16) of the input scaled by (multiplier, right shift): Q0.15."""
    v, r, saturated = _interpolate(x, multiplier, shift, STEP_BITS["tanh"])
    r = np.where(saturated, 0xFFFF << 8, r)
    return (np.where(v >= 0, r - (1 << 23) + (1 << 7), -r + (1 << 23) + (1 << 7) - 1) >> 8).astype(np.int16)
