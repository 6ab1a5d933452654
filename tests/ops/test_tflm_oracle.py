"""The generated models are valid: tflite-micro runs them and the file layout is as specified."""
import numpy as np
import pytest
import tflite

from tests.op_models import TFLM_CASES, make, random_inputs
from tests.tflite_builder import TFLiteBuilder, read_io
from tests.tflm import run_tflm, tflm_min_arena


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("op,dtype", TFLM_CASES)
def test_tflm_runs_generated_model(op, dtype, seed):
    model = make(op, seed, dtype)
    outputs = run_tflm(model, random_inputs(model, np.random.default_rng(seed)))
    specs = read_io(model)[1]
    assert len(outputs) == len(specs) >= 1
    for out, spec in zip(outputs, specs):
        assert out.shape == spec.shape and out.dtype == np.dtype(spec.dtype)


def test_generators_are_deterministic_and_vary():
    assert make("conv_2d", 3) == make("conv_2d", 3)
    assert len({make("conv_2d", s) for s in range(5)}) == 5
    with pytest.raises(ValueError):
        make("quantize", 0, "float32")


def _conv_model() -> bytes:
    b = TFLiteBuilder()
    x = b.add_tensor("x", (1, 9, 7, 3), "int8", scale=0.05, zero_point=-3)
    w = b.add_tensor("w", (1, 3, 2, 6), "int8", data=np.arange(36) - 18, scale=np.full(6, 0.01),
                     zero_point=np.zeros(6), quantized_dimension=3)
    bias = b.add_tensor("bias", (6,), "int32", data=np.arange(6), scale=np.full(6, 0.0005))
    y = b.add_tensor("y", (1, 4, 5, 6), "int8", scale=0.1, zero_point=-128)
    b.add_op("DEPTHWISE_CONV_2D", [x, w, bias], [y], padding="VALID", stride=(2, 1), dilation=(1, 2),
             depth_multiplier=2, activation="RELU6")
    b.set_io([x], [y])
    return b.finish()


def test_builder_file_layout():
    data = _conv_model()
    assert data[4:8] == b"TFL3"
    m = tflite.Model.GetRootAsModel(data, 0)
    assert m.Version() == 3 and m.SubgraphsLength() == 1
    assert m.Buffers(0).DataLength() == 0
    g = m.Subgraphs(0)
    buffers = [g.Tensors(i).Buffer() for i in range(g.TensorsLength())]
    assert buffers == [0, 1, 2, 0]  # activations share the empty buffer 0, constants get their own
    for i in (1, 2):
        start = m.Buffers(i).DataAsNumpy().ctypes.data - np.frombuffer(data, np.uint8).ctypes.data
        assert start % 16 == 0
    np.testing.assert_array_equal(np.frombuffer(m.Buffers(1).DataAsNumpy().tobytes(), np.int8), np.arange(36) - 18)
    np.testing.assert_array_equal(np.frombuffer(m.Buffers(2).DataAsNumpy().tobytes(), "<i4"), np.arange(6))
    w = g.Tensors(1).Quantization()
    assert w.QuantizedDimension() == 3 and w.ScaleLength() == 6 and list(w.ZeroPointAsNumpy()) == [0] * 6
    code = m.OperatorCodes(0)
    assert code.BuiltinCode() == code.DeprecatedBuiltinCode() == tflite.BuiltinOperator.DEPTHWISE_CONV_2D
    op = g.Operators(0)
    assert op.BuiltinOptionsType() == tflite.BuiltinOptions.DepthwiseConv2DOptions
    o = tflite.DepthwiseConv2DOptions()
    o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
    assert (o.Padding(), o.StrideH(), o.StrideW(), o.DilationHFactor(), o.DilationWFactor()) == \
        (tflite.Padding.VALID, 2, 1, 1, 2)
    assert o.DepthMultiplier() == 2 and o.FusedActivationFunction() == tflite.ActivationFunctionType.RELU6
    assert list(op.InputsAsNumpy()) == [0, 1, 2] and list(op.OutputsAsNumpy()) == [3]


def test_builder_absent_input_and_vector_options():
    b = TFLiteBuilder()
    x = b.add_tensor("x", (2, 6), "float32")
    y = b.add_tensor("y", (3, 4), "float32")
    b.add_op("RESHAPE", [x, None], [y], new_shape=[3, -1])
    b.set_io([x], [y])
    g = tflite.Model.GetRootAsModel(b.finish(), 0).Subgraphs(0)
    op = g.Operators(0)
    assert list(op.InputsAsNumpy()) == [0, -1]
    o = tflite.ReshapeOptions()
    o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
    assert list(o.NewShapeAsNumpy()) == [3, -1]


def test_builder_rejects_bad_arguments():
    b = TFLiteBuilder()
    with pytest.raises(ValueError):
        b.add_tensor("w", (2, 2), "int8", data=np.zeros(3))
    with pytest.raises(ValueError):
        b.add_tensor("x", (2,), "int8", scale=[0.1, 0.2], zero_point=[0])
    with pytest.raises(ValueError):
        b.add_op("NO_SUCH_OP", [0, 1], [2])
    with pytest.raises(TypeError):
        b.add_op("ADD", [0, 1], [2], stride=2)


def test_tflm_min_arena_is_tight():
    model = make("conv_2d", 1)
    arena = tflm_min_arena(model)
    inputs = random_inputs(model, np.random.default_rng(0))
    run_tflm(model, inputs, arena_size=arena)
    with pytest.raises(RuntimeError):
        run_tflm(model, inputs, arena_size=arena - 16)
