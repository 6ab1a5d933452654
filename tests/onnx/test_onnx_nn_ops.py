"""ONNX NN nodes on the NN kinds: Resize / Upsample, ConvTranspose, N-D MatMul, BatchNormalization
without a conv, Softmax on any axis; our reference vs onnxruntime and the host C vs the reference,
random shapes and attributes; refusals name the operator."""
import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from aot.driver.compiler import compile_file
from aot.frontends.onnx import import_model
from tests.onnx.models import onnxruntime_outputs, reference, run_host
from tests.ops.onnx_single import check_node, node_model, rand

COORDS = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn", "half_pixel_symmetric",
          "tf_crop_and_resize"]
NEAREST = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
NONE = np.zeros(0, np.float32)


def refusal(op_type, inputs, consts, **attrs) -> str:
    _, problems = import_model(node_model(op_type, inputs, consts, **attrs), op_type)
    assert len(problems) == 1 and problems[0][1] == op_type, problems
    return problems[0][2]


def _resize_case(rng, layout):
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    hw = [int(v) for v in rng.integers(1, 7, size=2)]
    if layout == "NCHW":
        return (n, c, *hw), (2, 3)
    if layout == "NHWC":
        return (n, *hw, c), (1, 2)
    return (n, c, hw[1]), (2,)


@pytest.mark.parametrize("layout", ["NCHW", "NHWC", "NCL"])
@pytest.mark.parametrize("seed", range(6))
def test_resize(seed, layout, tmp_path):
    rng = np.random.default_rng(seed)
    shape, axes = _resize_case(rng, layout)
    mode = ["nearest", "linear"][seed % 2]
    coord = COORDS[int(rng.integers(len(COORDS)))]
    attrs = {"mode": mode, "coordinate_transformation_mode": coord}
    if mode == "nearest":
        attrs["nearest_mode"] = NEAREST[int(rng.integers(len(NEAREST)))]
    x = rand(rng, shape)
    if rng.integers(2) and coord not in ("align_corners", "pytorch_half_pixel", "tf_crop_and_resize"):  # scales, some not giving a whole output size
        scales = np.ones(len(shape), np.float32)
        scales[list(axes)] = rng.choice([0.5, 0.6, 1.0, 1.5, 1.7, 2.0, 3.0, 2.5], size=len(axes))
        scales = np.maximum(scales, np.float32(1.0) / np.array(shape, np.float32))  # no empty output
        consts = {"roi": NONE, "scales": scales}
    else:
        sizes = np.array(shape, np.int64)
        sizes[list(axes)] = rng.integers(1, 11, size=len(axes))
        consts = {"roi": NONE, "scales": NONE, "sizes": sizes}
    if coord == "tf_crop_and_resize":  # a region inside the input
        starts, ends = np.zeros(len(shape), np.float32), np.ones(len(shape), np.float32)
        cropped = [a for a in axes if sizes[a] != shape[a]]  # (onnxruntime does not crop an axis of scale one)
        starts[cropped] = rng.uniform(0, 0.5, size=len(cropped))
        ends[cropped] = rng.uniform(0.5, 1, size=len(cropped))
        consts["roi"] = np.concatenate([starts, ends])
    kind = "resize_nearest" if mode == "nearest" else "resize_bilinear"
    opset = 19 if coord == "half_pixel_symmetric" else int(rng.choice([11, 13, 18]))
    check_node(kind, "Resize", {"x": x}, consts, tmp_path if seed < 3 else None, opset=opset, **attrs)


@pytest.mark.parametrize("seed", range(4))
def test_resize_opset10_and_upsample(seed, tmp_path):
    rng = np.random.default_rng(seed)
    x = rand(rng, (1, 2, int(rng.integers(1, 5)), int(rng.integers(1, 5))))
    scales = np.array([1, 1, *rng.choice([1.0, 1.5, 2.0, 3.0], size=2)], np.float32)
    mode = ["nearest", "linear"][seed % 2]
    kind = "resize_nearest" if mode == "nearest" else "resize_bilinear"
    check_node(kind, "Resize", {"x": x}, {"scales": scales}, tmp_path if seed < 2 else None, opset=10, mode=mode)
    check_node(kind, "Upsample", {"x": x}, {"scales": scales}, None, opset=9, mode=mode)
    check_node(kind, "Upsample", {"x": x}, None, None, opset=7, mode=mode, scales=[float(v) for v in scales])


def test_resize_downsample_sizes_axes(tmp_path):
    rng = np.random.default_rng(7)
    x = rand(rng, (1, 3, 9, 7))
    check_node("resize_nearest", "Resize", {"x": x}, {"roi": NONE, "scales": NONE, "sizes": np.array([4, 3], np.int64)},
               tmp_path, opset=18, axes=[2, 3], nearest_mode="ceil", keep_aspect_ratio_policy="not_larger")


def test_resize_refusals():
    x = {"x": np.zeros((1, 1, 2, 2), np.float32)}
    consts = {"roi": NONE, "scales": np.array([1, 1, 2, 2], np.float32)}
    assert "cubic" in refusal("Resize", x, consts, mode="cubic")
    roi = np.array([0, 0, 0, 0, 1, 1, 1.2, 1], np.float32)
    assert "scale one" in refusal("Resize", x, {**consts, "roi": roi, "scales": np.array([1, 1, 1, 2], np.float32)},
                                  coordinate_transformation_mode="tf_crop_and_resize")
    assert "extrapolation_value" in refusal("Resize", x, {**consts, "roi": roi}, mode="linear", coordinate_transformation_mode="tf_crop_and_resize")
    assert "H and W" in refusal("Resize", x, {"roi": NONE, "scales": np.array([1, 2, 2, 1.5], np.float32)})
    assert "not whole" in refusal("Resize", x, {"roi": NONE, "scales": np.array([1, 1, 1.5, 0.6], np.float32)},
                                  mode="linear", coordinate_transformation_mode="align_corners")
    assert "antialias" in refusal("Resize", x, consts, opset=18, mode="linear", antialias=1)


@pytest.mark.parametrize("seed", range(10))
def test_conv_transpose(seed, tmp_path):
    rng = np.random.default_rng(seed)
    dims = 1 if seed % 5 == 4 else 2
    n, ic, oc = int(rng.integers(1, 3)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
    size = [int(v) for v in rng.integers(1, 6, size=dims)]
    kernel = [int(v) for v in rng.integers(1, 5, size=dims)]
    stride = [int(v) for v in rng.integers(1, 4, size=dims)]
    attrs = {"strides": stride}
    variant = seed % 4
    if variant == 0:  # explicit pads and output_padding
        begin = [int(rng.integers(0, k)) for k in kernel]
        attrs["pads"] = begin + [int(rng.integers(0, k - b)) for k, b in zip(kernel, begin)]  # an output of one at least
        attrs["output_padding"] = [int(rng.integers(0, s)) for s in stride]
    elif variant == 1:
        attrs["auto_pad"] = ["SAME_UPPER", "SAME_LOWER", "VALID"][seed % 3]
    elif variant == 2:  # output_shape: pads from it
        attrs["output_shape"] = [s * (i - 1) + k + int(rng.integers(-k + 1, s)) for s, i, k in zip(stride, size, kernel)]
    consts = {"w": rand(rng, (ic, oc, *kernel))}
    if rng.integers(2):
        consts["b"] = rand(rng, (oc,))
    check_node("transpose_conv2d", "ConvTranspose", {"x": rand(rng, (n, ic, *size))}, consts, tmp_path if seed < 5 else None, **attrs)


@pytest.mark.parametrize("seed", range(4))
def test_conv_transpose_grouped_dilated(seed, tmp_path):
    rng = np.random.default_rng(seed)
    group = int(rng.integers(1, 4))
    ic, ocg = group * int(rng.integers(1, 3)), int(rng.integers(1, 3))
    attrs = {"group": group, "dilations": [int(v) for v in rng.integers(1, 4, size=2)], "strides": [int(v) for v in rng.integers(1, 3, size=2)]}
    consts = {"w": rand(rng, (ic, ocg, 2, 3)), "b": rand(rng, (ocg * group,))}
    check_node("transpose_conv2d", "ConvTranspose", {"x": rand(rng, (1, ic, 3, 4))}, consts, tmp_path if seed < 2 else None, **attrs)


def test_conv_transpose_refusals():
    x, w = {"x": np.zeros((1, 2, 3, 3), np.float32)}, np.zeros((2, 1, 2, 2), np.float32)
    assert "constant float weights" in refusal("ConvTranspose", {**x, "w": w}, {}, group=2)
    assert "beyond the full output" in refusal("ConvTranspose", x, {"w": w}, output_shape=[5, 5])


@pytest.mark.parametrize("seed", range(10))
def test_matmul_nd(seed, tmp_path):
    rng = np.random.default_rng(seed)
    m, k, n = (int(v) for v in rng.integers(1, 6, size=3))
    batch = [int(v) for v in rng.integers(1, 4, size=rng.integers(0, 3))]
    a_shape, b_shape = [*batch, m, k], [*batch, k, n]
    if seed % 3 == 1:  # broadcast one operand's batch axes (some dropped, some of size one)
        b_shape = [1 if rng.integers(2) else d for d in batch][int(rng.integers(0, len(batch) + 1)):] + [k, n]
    elif seed % 3 == 2:
        a_shape = [1 if rng.integers(2) else d for d in batch][int(rng.integers(0, len(batch) + 1)):] + [m, k]
    if seed == 5:
        a_shape = [k]  # a 1-D left operand
    if seed == 8:
        b_shape = [k]
    inputs, consts = {"a": rand(rng, a_shape)}, {}
    (consts if seed % 4 == 3 and len(b_shape) > 2 else inputs)["b"] = rand(rng, b_shape)
    check_node("batch_matmul", "MatMul", inputs, consts, tmp_path if seed < 6 else None)


def test_matmul_2d_constant_stays_fully_connected():
    rng = np.random.default_rng(0)
    check_node("fully_connected", "MatMul", {"a": rand(rng, (2, 3, 4))}, {"b": rand(rng, (4, 5))})


def test_matmul_refuses_rank_6():
    assert "rank" in refusal("MatMul", {"a": np.zeros((1, 1, 1, 1, 2, 2, 3), np.float32), "b": np.zeros((3, 2), np.float32)}, {})


@pytest.mark.parametrize("seed", range(6))
def test_batchnorm_without_conv(seed, tmp_path):
    rng = np.random.default_rng(seed)
    c = int(rng.integers(1, 6))
    shape = [int(rng.integers(1, 3)), c, *(int(v) for v in rng.integers(1, 5, size=seed % 4))]
    consts = {"scale": rand(rng, (c,)), "bias": rand(rng, (c,)), "mean": rand(rng, (c,)),
              "var": rng.uniform(0.1, 2, size=c).astype(np.float32)}
    check_node("binary", "BatchNormalization", {"x": rand(rng, shape)}, consts, tmp_path if seed < 4 else None,
               epsilon=float(rng.choice([1e-5, 1e-3])))


@pytest.mark.parametrize("seed", range(8))
def test_softmax_any_axis(seed, tmp_path):
    rng = np.random.default_rng(seed)
    shape = [int(v) for v in rng.integers(1, 5, size=rng.integers(1, 5))]
    axis = int(rng.integers(-len(shape), len(shape)))
    opset = [11, 13][seed % 2]
    check_node("softmax", "Softmax", {"x": rand(rng, shape)}, None, tmp_path if seed < 4 else None, opset=opset, axis=axis)


def qdq_model(op_type: str, operands: list[tuple], out_q: tuple[float, int], **attrs) -> onnx.ModelProto:
    """The node as onnxruntime's quantiser emits it: each operand ("x", name, shape, scale, zp) a
    graph input through QuantizeLinear -> DequantizeLinear, or ("w", name, ints, scale, zp[, axis])
    a constant through DequantizeLinear (or ("c", name, array) a plain constant); the output through
    QuantizeLinear -> DequantizeLinear."""
    nodes, inputs, inits, names = [], [], [], []

    def qparams(name, scale, zp):
        inits.extend([numpy_helper.from_array(np.asarray(scale, np.float32), f"{name}_s"),
                      numpy_helper.from_array(np.asarray(zp), f"{name}_z")])
        return [f"{name}_s", f"{name}_z"]

    for kind, name, *rest in operands:
        if kind == "x":
            shape, scale, zp = rest
            inputs.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, shape))
            nodes.append(helper.make_node("QuantizeLinear", [name, *qparams(name, scale, zp)], [f"{name}_q"]))
            nodes.append(helper.make_node("DequantizeLinear", [f"{name}_q", f"{name}_s", f"{name}_z"], [f"{name}_dq"]))
        elif kind == "w":
            ints, scale, zp, *axis = rest
            inits.append(numpy_helper.from_array(ints, f"{name}_q"))
            nodes.append(helper.make_node("DequantizeLinear", [f"{name}_q", *qparams(name, scale, zp)], [f"{name}_dq"],
                                          **({"axis": axis[0]} if axis else {})))
        else:
            inits.append(numpy_helper.from_array(rest[0], name))
            names.append(name)
            continue
        names.append(f"{name}_dq")
    nodes.append(helper.make_node(op_type, names, ["y"], **attrs))
    nodes.append(helper.make_node("QuantizeLinear", ["y", *qparams("y", *out_q)], ["y_q"]))
    nodes.append(helper.make_node("DequantizeLinear", ["y_q", "y_s", "y_z"], ["out"]))
    graph = helper.make_graph(nodes, op_type, inputs, [helper.make_empty_tensor_value_info("out")], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def check_qdq(kind: str, model: onnx.ModelProto, tmp_path, seed: int, dtype: str = "int8") -> None:
    """The QDQ node runs as the int8 kernel (or in float32 between the Q/DQ nodes), within one
    quantisation step of onnxruntime, and the C bit-exact with the reference."""
    path = tmp_path / "qdq.onnx"
    onnx.save(model, str(path))
    g = compile_file(path).graph
    assert [op for op in g.ops if op.kind == kind and g.tensor(op.inputs[0]).dtype == dtype], [op.kind for op in g.ops]
    step = float(next(numpy_helper.to_array(t) for t in model.graph.initializer if t.name == "y_s"))
    rng = np.random.default_rng(seed)
    for _ in range(4):
        feeds = {n: rng.uniform(-2, 2, g.tensor(n).shape).astype(np.float32) for n in g.inputs}
        got, want = reference(path, feeds)[0], onnxruntime_outputs(path, feeds)[0]
        assert np.abs(got - want).max() <= step * 1.001, "more than one quantisation step from onnxruntime"
    assert run_host(path, feeds, tmp_path / "build").max_abs_diff == 0.0


def _q(rng, uint8: bool = False):
    """An activation's (scale, zero point): int8, or uint8 (onnxruntime's default)."""
    zp = int(rng.integers(-20, 20))
    return float(rng.uniform(0.005, 0.03)), np.uint8(zp + 128) if uint8 else np.int8(zp)


def _w(rng, shape, axis=None):
    """Symmetric int8 weights, per tensor or per channel along ``axis``."""
    scale = rng.uniform(0.002, 0.02, size=() if axis is None else shape[axis]).astype(np.float32)
    ints = rng.integers(-127, 128, size=shape).astype(np.int8)
    return ints, scale, np.zeros(scale.shape, np.int8), *(() if axis is None else (axis,))


@pytest.mark.parametrize("seed", range(4))
def test_qdq_resize_nearest(seed, tmp_path):
    rng = np.random.default_rng(seed)
    sizes = np.array([1, 3, *rng.integers(2, 11, size=2)], np.int64)
    q = _q(rng, uint8=seed % 2 == 1)
    model = qdq_model("Resize", [("x", "x", (1, 3, 4, 5), *q), ("c", "roi", NONE), ("c", "scales", NONE), ("c", "sizes", sizes)], q,
                      mode="nearest", coordinate_transformation_mode=COORDS[seed], nearest_mode=NEAREST[seed])
    check_qdq("resize_nearest", model, tmp_path, seed)


def test_qdq_resize_linear_runs_in_float(tmp_path):
    q = (0.02, np.int8(3))
    model = qdq_model("Resize", [("x", "x", (1, 2, 3, 4), *q), ("c", "roi", NONE), ("c", "scales", np.array([1, 1, 2, 1.5], np.float32))], q,
                      mode="linear", coordinate_transformation_mode="pytorch_half_pixel")
    check_qdq("resize_bilinear", model, tmp_path, 0, dtype="float32")


@pytest.mark.parametrize("seed", range(4))
def test_qdq_conv_transpose(seed, tmp_path):
    rng = np.random.default_rng(seed)
    ic, oc = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    xq, w = _q(rng, uint8=seed > 1), _w(rng, (ic, oc, 3, 3), axis=1 if seed % 2 else None)
    bias = rng.integers(-500, 500, size=oc).astype(np.int32)
    model = qdq_model("ConvTranspose", [("x", "x", (1, ic, 4, 3), *xq), ("w", "w", *w),
                                        ("w", "b", bias, (xq[0] * w[1]).astype(np.float32), np.zeros_like(w[2], np.int32), 0)],
                      _q(rng, uint8=seed > 1), strides=[2, 1 + seed % 2], pads=[1, 0, 1, 1])
    check_qdq("transpose_conv2d", model, tmp_path, seed)


@pytest.mark.parametrize("seed", range(4))
def test_qdq_batch_matmul(seed, tmp_path):
    rng = np.random.default_rng(seed)
    u8 = seed > 1
    right = ("w", "b", *_w(rng, (2, 4, 5))) if seed % 2 else ("x", "b", (1, 4, 5), *_q(rng, u8))
    out = float(rng.uniform(0.05, 0.2)), np.uint8(rng.integers(118, 138)) if u8 else np.int8(rng.integers(-10, 10))
    model = qdq_model("MatMul", [("x", "a", (2, 3, 4), *_q(rng, u8)), right], out)
    check_qdq("batch_matmul", model, tmp_path, seed)
