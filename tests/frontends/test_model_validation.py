"""Issue 15: nonsense models are refused by the CLI with exit code 2 and one line naming the
tensor or operator (never compiled, never an internal error); odd values TFLM accepts and
computes (a denormal or a huge scale) still compile. One test per nonsense family."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from aot.cli import main
from tests.tflite_builder import TFLiteBuilder


def _compile(tmp_path, capsys, model: bytes | onnx.ModelProto, suffix: str) -> tuple[int, str]:
    path = tmp_path / f"m{suffix}"
    path.write_bytes(model if isinstance(model, bytes) else model.SerializeToString())
    code = main(["compile", str(path), "-o", str(tmp_path / "out")])
    return code, capsys.readouterr().err


def _refused(tmp_path, capsys, model, *needles: str, suffix: str = ".tflite") -> None:
    code, err = _compile(tmp_path, capsys, model, suffix)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "internal error" not in err
    for needle in needles:
        assert needle in err, err


def _unary(scale=0.05, zero_point=0, shape=(1, 4), op="RELU", io=None, y_quant=(0.05, 0)) -> bytes:
    b = TFLiteBuilder()
    x = b.add_tensor("x", shape, "int8", scale=scale, zero_point=zero_point)
    y = b.add_tensor("y", shape, "int8", scale=y_quant[0], zero_point=y_quant[1])
    b.add_op(op, [x], [y])
    b.set_io(*(io or ([x], [y])))
    return b.finish()


def _conv(cin=3, n_scales=4, self_write=False, second_writer=False, buffer=None, opcode_index=None) -> bytes:
    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 4, 4, cin), "int8", scale=0.05, zero_point=0)
    w = b.add_tensor("w", (4, 3, 3, cin), "int8", data=np.ones((4, 3, 3, cin)), scale=[0.01] * n_scales,
                     zero_point=[0] * n_scales, quantized_dimension=0, buffer=buffer)
    bias = b.add_tensor("b", (4,), "int32", data=np.zeros(4), scale=[0.0005] * n_scales, zero_point=[0] * n_scales)
    y = b.add_tensor("y", (1, 4, 4, 4), "int8", scale=0.1, zero_point=0)
    b.add_op("CONV_2D", [x, w, bias], [x if self_write else y], padding="SAME", opcode_index=opcode_index)
    if second_writer:
        b.add_op("CONV_2D", [x, w, bias], [y], padding="SAME")
    b.set_io([x], [y])
    return b.finish()


def _onnx(nodes, inits=(), x_shape=(1, 3, 4, 4), y_shape=(1, 2, 2, 2)) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y_shape) if y_shape else None)
    return helper.make_model(helper.make_graph(nodes, "g", [x], [y], list(inits)), opset_imports=[helper.make_opsetid("", 13)])


_W = numpy_helper.from_array(np.ones((2, 3, 3, 3), np.float32), "w")


@pytest.mark.parametrize("scale", [0.0, -1.0, float("nan"), float("inf")])
def test_scale_not_finite_and_positive(tmp_path, capsys, scale):
    _refused(tmp_path, capsys, _unary(scale=scale), "tensor 'x'", f"scale {scale!r}", "finite and > 0")


@pytest.mark.parametrize("zero_point", [300, 2**31 - 1, -129])
def test_int8_zero_point_out_of_range(tmp_path, capsys, zero_point):
    _refused(tmp_path, capsys, _unary(zero_point=zero_point), "tensor 'x'", f"zero point {zero_point}", "-128..127")


def _fc(x_scale: float, y_scale: float, activation: str) -> bytes:
    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 4), "int8", scale=x_scale, zero_point=0)
    w = b.add_tensor("w", (2, 4), "int8", data=np.arange(8).reshape(2, 4) - 3, scale=0.01, zero_point=0)
    y = b.add_tensor("y", (1, 2), "int8", scale=y_scale, zero_point=0)
    b.add_op("FULLY_CONNECTED", [x, w, None], [y], activation=activation)
    b.set_io([x], [y])
    return b.finish()


@pytest.mark.parametrize("x_scale, y_scale, activation", [(1e-40, 0.05, "NONE"), (0.05, 1e30, "RELU"), (1e-40, 1e30, "RELU6")])
def test_odd_scales_tflm_accepts_compile_and_compute_as_tflm(tmp_path, capsys, x_scale, y_scale, activation):
    """A denormal float32 scale, a huge one: QuantizeMultiplier gives a zero multiplier, as in
    TFLM (no NaN, no overflow); the reference equals tflite-micro and the CLI compiles."""
    from tests.ops.compare import check_model_against_tflm

    model = _fc(x_scale, y_scale, activation)
    check_model_against_tflm(model, 0, f"{x_scale} {y_scale} {activation}")
    code, err = _compile(tmp_path, capsys, model, ".tflite")
    assert code == 0, err


def test_fused_activation_bound_past_int32(tmp_path, capsys):
    """TFLM's Prepare refuses it too (no_integer_overflow_from_quantization)."""
    _refused(tmp_path, capsys, _fc(1e-40, 1e-40, "RELU6"), "#0 FULLY_CONNECTED", "fused activation RELU6", "past int32")


@pytest.mark.parametrize("x_scale, y_scale", [(1e30, 0.05), (0.05, 1e-40)])
def test_effective_scale_that_overflows_the_requantisation(tmp_path, capsys, x_scale, y_scale):
    """QuantizeMultiplier's shift past 30: TFLM's left shift overflows (its output differs from
    any exact computation), so the model is refused."""
    _refused(tmp_path, capsys, _fc(x_scale, y_scale, "NONE"), "#0 FULLY_CONNECTED", "effective scale")


def test_per_channel_arrays_shorter_than_the_channels(tmp_path, capsys):
    _refused(tmp_path, capsys, _conv(n_scales=2), "tensor 'w'", "2 per-channel scales for 4 channels")


def test_buffer_index_out_of_range(tmp_path, capsys):
    _refused(tmp_path, capsys, _conv(buffer=99), "tensor #1", "buffer 99")


@pytest.mark.parametrize("io, role", [(([0], [-1]), "output"), (([-1], [1]), "input")])
def test_graph_io_index_minus_one(tmp_path, capsys, io, role):
    _refused(tmp_path, capsys, _unary(io=io), f"graph {role} tensor index -1 is out of range")


def test_opcode_index_out_of_range(tmp_path, capsys):
    _refused(tmp_path, capsys, _conv(opcode_index=7), "operator #0", "operator code index 7")


def test_two_ops_write_one_tensor(tmp_path, capsys):
    _refused(tmp_path, capsys, _conv(second_writer=True), "#1 CONV_2D", "writes tensor 'y', already written by #0 CONV_2D")


def test_an_op_writes_its_input(tmp_path, capsys):
    _refused(tmp_path, capsys, _conv(self_write=True), "#0 CONV_2D", "writes its own input 'x'")


def test_dims_of_zero(tmp_path, capsys):
    _refused(tmp_path, capsys, _unary(shape=(1, 0)), "tensor 'x' has no elements (shape [1, 0])")


def test_tflite_negative_dims(tmp_path, capsys):
    _refused(tmp_path, capsys, _unary(shape=(-1, 4)), "tensor 'x' has a negative dimension (shape [-1, 4])")


@pytest.mark.parametrize("op, y_shape, options", [("DEPTHWISE_CONV_2D", (1, 4, 4), {"padding": "SAME"}),
                                                   ("AVERAGE_POOL_2D", (1, 4, 4), {"filter": 2, "padding": "SAME"})])
def test_window_operator_of_another_rank(tmp_path, capsys, op, y_shape, options):
    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 4, 4, 3), "float32")
    ins = [x] if op.endswith("POOL_2D") else [x, b.add_tensor("w", (1, 3, 3, 3), "float32", data=np.ones((1, 3, 3, 3))), None]
    y = b.add_tensor("y", y_shape, "float32")
    b.add_op(op, ins, [y], **options)
    b.set_io([x], [y])
    _refused(tmp_path, capsys, b.finish(), f"#0 {op}", "needs a 4-D NHWC input and output")
    assert main(["inspect", str(tmp_path / "m.tflite")]) == 0  # inspect lists it (no MACs of an op that fails)
    assert "needs a 4-D NHWC input and output" in capsys.readouterr().out


def test_fully_connected_output_too_small(tmp_path, capsys):
    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 4, 4, 3), "float32")
    w = b.add_tensor("w", (4, 3), "float32", data=np.ones((4, 3)))
    y = b.add_tensor("y", (4,), "float32")
    b.add_op("FULLY_CONNECTED", [x, w, None], [y])
    b.set_io([x], [y])
    _refused(tmp_path, capsys, b.finish(), "#0 FULLY_CONNECTED", "output [4] does not hold 16 rows of 4")


def test_conv_with_zero_input_channels(tmp_path, capsys):
    _refused(tmp_path, capsys, _conv(cin=0), "tensor 'x' has no elements (shape [1, 4, 4, 0])")


def test_softmax_of_a_scalar(tmp_path, capsys):
    _refused(tmp_path, capsys, _unary(shape=(), op="SOFTMAX", y_quant=(1 / 256, -128)), "#0 SOFTMAX",
             "needs an input of at least one dim")


def test_a_required_input_absent(tmp_path, capsys):
    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 4), "float32")
    y = b.add_tensor("y", (1, 4), "float32")
    b.add_op("ADD", [x, None], [y])
    b.set_io([x], [y])
    _refused(tmp_path, capsys, b.finish(), "#0 ADD", "input(s) [1] are absent (-1)")


def test_arena_over_4_gib(tmp_path, capsys):
    """Each tensor fits a uint32, the arena of the three (ADD's inputs and output) does not; the
    size check fires before any allocation."""
    n = 2**30 + 2**19
    b = TFLiteBuilder()
    a, c, y = (b.add_tensor(name, (2, n), "int8", scale=0.1, zero_point=0) for name in "acy")
    b.add_op("ADD", [a, c], [y])
    b.set_io([a, c], [y])
    _refused(tmp_path, capsys, b.finish(), "too large: the arena needs")


def test_tensor_over_4_gib(tmp_path, capsys):
    model = _onnx([helper.make_node("Relu", ["x"], ["y"])], x_shape=(1, 65536, 65536, 4), y_shape=None)
    _refused(tmp_path, capsys, model, "tensor 'x' is too large", suffix=".onnx")


def test_onnx_negative_batch_dim(tmp_path, capsys):
    model = _onnx([helper.make_node("Relu", ["x"], ["y"])], x_shape=(-1, 3, 4, 4), y_shape=None)
    _refused(tmp_path, capsys, model, "tensor 'x' has a negative dimension", suffix=".onnx")


def test_onnx_strides_zero(tmp_path, capsys):
    model = _onnx([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", strides=[0, 0])], [_W])
    _refused(tmp_path, capsys, model, "conv Conv", "strides [0, 0]", suffix=".onnx")


def test_onnx_empty_kernel_shape(tmp_path, capsys):
    pool = helper.make_node("MaxPool", ["x"], ["y"], name="pool")
    pool.attribute.append(helper.make_attribute("kernel_shape", [], attr_type=onnx.AttributeProto.INTS))
    _refused(tmp_path, capsys, _onnx([pool]), "pool MaxPool", "kernel_shape []", suffix=".onnx")


def test_onnx_dequantize_axis_as_a_tensor(tmp_path, capsys):
    inits = [numpy_helper.from_array(np.ones((2, 3, 3, 3), np.int8), "wq"),
             numpy_helper.from_array(np.full((2,), 0.1, np.float32), "ws"),
             numpy_helper.from_array(np.zeros((2,), np.int8), "wz"),
             numpy_helper.from_array(np.array(0, np.int64), "axis")]
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws", "wz", "axis"], ["w"], name="dq"),
             helper.make_node("Conv", ["x", "w"], ["y"], name="conv")]
    _refused(tmp_path, capsys, _onnx(nodes, inits), "dq DequantizeLinear", "4 inputs", suffix=".onnx")


@pytest.mark.parametrize("beta", [float("nan"), float("inf"), 0.0, -1.0])
def test_softmax_beta_not_finite_and_positive(tmp_path, capsys, beta):
    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 4), "int8", scale=0.05, zero_point=0)
    y = b.add_tensor("y", (1, 4), "int8", scale=1 / 256, zero_point=-128)
    b.add_op("SOFTMAX", [x], [y], beta=beta)
    b.set_io([x], [y])
    _refused(tmp_path, capsys, b.finish(), "#0 SOFTMAX", "beta", "finite and > 0")


def test_onnx_dequantize_zero_points_fewer_than_scales(tmp_path, capsys):
    inits = [numpy_helper.from_array(np.ones((2, 3, 3, 3), np.int8), "wq"),
             numpy_helper.from_array(np.full((2,), 0.1, np.float32), "ws"),
             numpy_helper.from_array(np.zeros((0,), np.int8), "wz")]
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="dq", axis=0),
             helper.make_node("Conv", ["x", "w"], ["y"], name="conv")]
    _refused(tmp_path, capsys, _onnx(nodes, inits), "dq", "0 zero points for 2 scales", suffix=".onnx")


@pytest.mark.parametrize("axis, given", [(numpy_helper.from_array(np.array(0, np.int64)), "TENSOR"), (0.5, "FLOAT")])
def test_onnx_dequantize_axis_attribute_of_another_type(tmp_path, capsys, axis, given):
    inits = [numpy_helper.from_array(np.ones((2, 3, 3, 3), np.int8), "wq"),
             numpy_helper.from_array(np.full((2,), 0.1, np.float32), "ws"),
             numpy_helper.from_array(np.zeros((2,), np.int8), "wz")]
    dq = helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="dq")
    dq.attribute.append(helper.make_attribute("axis", axis))
    model = _onnx([dq, helper.make_node("Conv", ["x", "w"], ["y"], name="conv")], inits)
    _refused(tmp_path, capsys, model, "dq DequantizeLinear", f"attribute 'axis' is given as {given}", suffix=".onnx")


def test_onnx_required_input_absent(tmp_path, capsys):
    model = _onnx([helper.make_node("Conv", ["x", ""], ["y"], name="conv")], [_W])
    _refused(tmp_path, capsys, model, "conv Conv", "required input 'W'", suffix=".onnx")


def test_onnx_output_name_not_utf8(tmp_path, capsys):
    raw = _onnx([helper.make_node("Relu", ["x"], ["y"])], x_shape=(1, 4), y_shape=(1, 4)).SerializeToString()
    raw = raw.replace(b"\x0a\x01y", b"\x0a\x01\xff").replace(b"\x12\x01y", b"\x12\x01\xff")  # the name "y" -> b"\xff"
    _refused(tmp_path, capsys, raw, "graph output", "not valid UTF-8", suffix=".onnx")


def test_warning_when_no_board_fits(tmp_path, capsys):
    """Compiles (the host has the RAM), with one warning on stderr; none with -q."""
    model = _unary(shape=(1, 5_000_000))  # 5 MB: more RAM than any board (4 MB)
    code, err = _compile(tmp_path, capsys, model, ".tflite")
    assert code == 0 and "no microcontroller board of the project has that much" in err
    assert main(["-q", "compile", str(tmp_path / "m.tflite"), "-o", str(tmp_path / "out2")]) == 0
    assert capsys.readouterr().err == ""


def test_an_internal_error_is_one_bug_report_line(tmp_path, monkeypatch, capsys):
    """Our own bug (here a compiler step that fails unexpectedly, with a text of several lines):
    exit code 3 and one line asking for a bug report, never the exception's lines or a traceback."""
    import aot.driver.compiler as compiler

    def bug(*args, **kwargs):
        raise RuntimeError("first line\nsecond line")

    monkeypatch.setattr(compiler, "compile_file", bug)
    monkeypatch.delenv("MICROAOT_DEBUG", raising=False)
    assert main(["compile", str(tmp_path / "any.tflite"), "-o", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError: first line second line" in err
    assert "please report it" in err and "Traceback" not in err
