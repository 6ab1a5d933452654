"""Single-op models: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED, BATCH_MATMUL, pools
(L2_POOL_2D too), SOFTMAX, L2_NORMALIZATION, resizes."""
from __future__ import annotations

import numpy as np
import tflite

from tests.op_models.base import BOTH, MAX_C, MAX_HW, Model, T, i32, random_shape
from tests.op_models.int16 import model

WITH_INT16 = BOTH + ("int16",)  # the weighted ops: int16x8 too (int16 activations, int8 weights)


def _conv_like(rng, dtype, depthwise: bool) -> bytes:
    m = model(rng, dtype, ("int64",) if depthwise else ("int64", "int32"))
    win = m.window(dilated=True)
    n, cin = m.batch(), m.channels()
    if depthwise:
        mult = int(rng.choice([1, 1, 2, 3]))
        cout, fan_in = cin * mult, win["kernel"][0] * win["kernel"][1]
        w_shape, axis = (1, *win["kernel"], cout), 3
    else:
        cout, fan_in = m.channels(), win["kernel"][0] * win["kernel"][1] * cin
        w_shape, axis = (cout, *win["kernel"], cin), 0
    act = m.activation()
    x = m.input("x", (n, *win["hw"], cin))
    w, w_scales = m.weights("w", w_shape, axis, fan_in)
    lo, hi = m.mac_output_range(x, w_scales, fan_in, act)
    bias = m.bias("bias", cout, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8 if m.q else 0.1)
    y = m.output((n, *win["out_hw"], cout), lo, hi)
    opts = {"padding": win["padding"], "stride": win["stride"], "dilation": win["dilation"], "activation": act}
    if depthwise:
        # TFLM segfaults on a depthwise conv whose bias slot is -1; leave the slot out instead.
        ins = [x, w] if bias is None else [x, w, bias]
        return m.finish("DEPTHWISE_CONV_2D", ins, [y], depth_multiplier=mult, **opts)
    return m.finish("CONV_2D", [x, w, bias], [y], **opts)


def make_conv_2d(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _conv_like(rng, dtype, depthwise=False)


def make_depthwise_conv_2d(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _conv_like(rng, dtype, depthwise=True)


def make_transpose_conv(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """Random kernel, strides, SAME/VALID (output H = H * s, or (H - 1) * s + K), per-channel
    weights, bias absent (its slot left out) one time in four."""
    m = model(rng, dtype, ("int64",))
    n, cin, cout = m.batch(), m.channels(), m.channels()
    kernel = tuple(int(k) for k in rng.integers(1, 6, 2))
    stride = tuple(int(s) for s in rng.integers(1, 4, 2))
    padding = str(rng.choice(["SAME", "VALID"]))
    hw = tuple(int(d) for d in rng.integers(1, 8, 2))
    out_hw = tuple(h * s if padding == "SAME" else (h - 1) * s + k for h, s, k in zip(hw, stride, kernel))
    x = m.input("x", (n, *hw, cin))
    fan_in = cin * max(1, (kernel[0] // stride[0]) * (kernel[1] // stride[1]))
    w, w_scales = m.weights("w", (cout, *kernel, cin), 0, fan_in)
    lo, hi = m.mac_output_range(x, w_scales, fan_in, "NONE")
    bias = m.bias("bias", cout, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8 if m.q else 0.1)
    y = m.output((n, *out_hw, cout), lo, hi)
    ins = [i32(m, "output_shape", (n, *out_hw, cout)), w, x] + ([] if bias is None else [bias])
    return m.finish("TRANSPOSE_CONV", ins, [y], padding=0 if padding == "SAME" else 1,
                    stride_h=stride[0], stride_w=stride[1])


def make_fully_connected(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    m = model(rng, dtype)
    x_shape = random_shape(rng, int(rng.integers(2, 5)))
    keep_num_dims = bool(rng.random() < 0.5)
    # Without keep_num_dims the input may be flattened whole (a "flatten + dense" head).
    k = x_shape[-1] if keep_num_dims or rng.random() < 0.5 else int(np.prod(x_shape[1:]))
    units, act = int(rng.integers(1, MAX_C + 1)), m.activation()
    y_shape = (*x_shape[:-1], units) if keep_num_dims else (int(np.prod(x_shape)) // k, units)
    x = m.input("x", x_shape)
    per_channel = dtype == "int16" and rng.random() < 0.5  # TFLM's int16 kernel takes per-channel weights
    w, w_scales = m.weights("w", (units, k), 0 if per_channel else None, k)
    lo, hi = m.mac_output_range(x, w_scales, k, act)
    bias = m.bias("bias", units, x.scale, w_scales, real_std=max(hi - lo, 1e-3) / 8 if m.q else 0.1)
    y = m.output(y_shape, lo, hi)
    return m.finish("FULLY_CONNECTED", [x, w, bias], [y], activation=act, keep_num_dims=keep_num_dims)


def make_batch_matmul(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """Ranks 2 to 5 each, batch axes broadcast (either side 1 or missing), adj_x/adj_y drawn,
    rhs a constant one time in three."""
    m = Model(rng, dtype)
    rows, depth, cols = (int(d) for d in rng.integers(1, 9, 3))
    batch = random_shape(rng, int(rng.integers(0, 4)), max_dim=3)
    a_batch, b_batch = ([d if rng.random() < 0.7 else 1 for d in batch] for _ in range(2))
    a_batch, b_batch = a_batch[int(rng.integers(len(a_batch) + 1)):], b_batch[int(rng.integers(len(b_batch) + 1)):]
    adj_x, adj_y = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    a = m.input("a", (*a_batch, *((depth, rows) if adj_x else (rows, depth))))
    b_shape = (*b_batch, *((cols, depth) if adj_y else (depth, cols)))
    b = m.const_like("b", b_shape) if rng.random() < 1 / 3 else m.input("b", b_shape)
    lo, hi = m.mac_output_range(a, np.array([b.scale * 2 / 255]), depth, "NONE") if m.q else (-1, 1)
    y_batch = np.broadcast_shapes(tuple(a_batch), tuple(b_batch))
    y = m.output((*y_batch, rows, cols), lo, hi)
    return m.finish("BATCH_MATMUL", [a, b], [y], table="BatchMatMulOptions", adj_x=adj_x, adj_y=adj_y)


def _pool(rng, dtype, op: str) -> bytes:
    m = Model(rng, dtype)
    win = m.window(dilated=False)
    n, c = m.batch(), m.channels()
    x = m.input("x", (n, *win["hw"], c))
    y = m.output((n, *win["out_hw"], c), quant=(x.scale, x.zero_point))  # pools keep the input's quantisation
    return m.finish(op, [x], [y], filter=win["kernel"], stride=win["stride"], padding=win["padding"],
                    activation=m.activation())


def make_average_pool_2d(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _pool(rng, dtype, "AVERAGE_POOL_2D")


def make_max_pool_2d(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _pool(rng, dtype, "MAX_POOL_2D")


def make_l2_pool_2d(rng: np.random.Generator, dtype: str = "float32") -> bytes:
    m = Model(rng, dtype)
    win = m.window(dilated=False)
    n, c = m.batch(), m.channels()
    x = m.input("x", (n, *win["hw"], c))
    y = m.output((n, *win["out_hw"], c))
    (fh, fw), (sh, sw) = win["kernel"], win["stride"]
    return m.finish("L2_POOL_2D", [x], [y], table="Pool2DOptions", padding=0 if win["padding"] == "SAME" else 1,
                    stride_h=sh, stride_w=sw, filter_height=fh, filter_width=fw,
                    fused_activation_function=getattr(tflite.ActivationFunctionType, m.activation()))


def make_l2_normalization(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    """Rank 1 to 4, last axis up to 32; int8 output in 1/128 steps, zero point 0 (TFLM's)."""
    m = Model(rng, dtype)
    shape = random_shape(rng, int(rng.integers(0, 4)), max_dim=4) + (int(rng.integers(1, 33)),)
    x = m.input("x", shape)
    y = m.output(shape, quant=(1 / 128, 0))
    return m.finish("L2_NORMALIZATION", [x], [y], table="L2NormOptions")


def make_softmax(rng: np.random.Generator, dtype: str = "int8", output: str | None = None) -> bytes:
    """``output`` "int16": an int8 input's softmax as int16 (scale 1/65536, zero point -32768)."""
    m = Model(rng, dtype)
    shape = random_shape(rng, int(rng.integers(1, 5)), max_dim=4)[:-1] + (int(rng.integers(1, 33)),)
    x = m.input("x", shape)
    if output == "int16":
        y = T(m.b.add_tensor("y", shape, "int16", scale=1 / 65536, zero_point=-32768), tuple(shape), 1 / 65536, -32768)
    else:
        y = m.output(shape, quant=(1 / 256, -128))
    beta = 1.0 if rng.random() < 0.5 else float(rng.uniform(0.25, 2.0))
    return m.finish("SOFTMAX", [x], [y], beta=beta)


def make_softmax_to_int16(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return make_softmax(rng, dtype, output="int16")


def _resize(rng, dtype, op: str, both_flags: bool) -> bytes:
    """Random NHWC input and target size (up- and downsampling, 1 included), flags drawn from
    (align_corners, half_pixel_centers) in {FF, TF, FT} (+ TT where TFLM accepts it)."""
    m = Model(rng, dtype)
    n, c = m.batch(), m.channels()
    hw = tuple(int(d) for d in rng.integers(1, MAX_HW + 1, 2))
    out_hw = tuple(int(d) for d in rng.integers(1, 2 * MAX_HW + 1, 2))
    flags = [(False, False), (True, False), (False, True)] + ([(True, True)] if both_flags else [])
    align_corners, half_pixel_centers = flags[int(rng.integers(len(flags)))]
    x = m.input("x", (n, *hw, c))
    y = m.output((n, *out_hw, c), quant=(x.scale, x.zero_point))  # TFLM resizes the stored integers
    return m.finish(op, [x, i32(m, "size", out_hw)], [y], align_corners=align_corners,
                    half_pixel_centers=half_pixel_centers)


def make_resize_nearest_neighbor(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _resize(rng, dtype, "RESIZE_NEAREST_NEIGHBOR", both_flags=True)


def make_resize_bilinear(rng: np.random.Generator, dtype: str = "int8") -> bytes:
    return _resize(rng, dtype, "RESIZE_BILINEAR", both_flags=False)


GENERATORS = {
    "conv_2d": (make_conv_2d, WITH_INT16),
    "depthwise_conv_2d": (make_depthwise_conv_2d, WITH_INT16),
    "transpose_conv": (make_transpose_conv, WITH_INT16),
    "fully_connected": (make_fully_connected, WITH_INT16),
    "batch_matmul": (make_batch_matmul, BOTH),
    "average_pool_2d": (make_average_pool_2d, BOTH),
    "max_pool_2d": (make_max_pool_2d, BOTH),
    "l2_pool_2d": (make_l2_pool_2d, ("float32",)),
    "softmax": (make_softmax, BOTH),
    "softmax_to_int16": (make_softmax_to_int16, ("int8",)),
    "l2_normalization": (make_l2_normalization, BOTH),
    "resize_nearest_neighbor": (make_resize_nearest_neighbor, BOTH),
    "resize_bilinear": (make_resize_bilinear, BOTH),
}
