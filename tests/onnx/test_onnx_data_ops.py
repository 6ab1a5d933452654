"""ONNX data movement (Gather, Expand, Tile, DepthToSpace, SpaceToDepth, Cast, Pad modes) on random
shapes and attributes against onnxruntime (reference; host C on the first seeds), refusals by
reason; and shape arithmetic folded at import (Shape -> Gather -> Unsqueeze -> Concat -> Reshape
as PyTorch exports a view, ConstantOfShape, Range): only the runtime ops remain."""
import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from aot.driver.compiler import compile_graph, prepare
from aot.driver.reference import run_graph
from aot.driver.runner import run_on_board
from aot.frontends.onnx import import_model
from aot.target.boards import load_board
from tests.onnx.models import assert_float_close
from tests.onnx.onnx_problems import check_graph, graph_model, problems
from tests.ops.onnx_single import check_node, rand

I64 = lambda *v: np.array(v, np.int64)  # noqa: E731


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 6, 2)])
def test_view_of_size_folds(shape, tmp_path):
    """y = x.view(x.size(0), -1).exp(): the shape chain folds, a reshape view remains."""
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["new_shape"], axis=0),
             helper.make_node("Reshape", ["x", "new_shape"], ["r"]),
             helper.make_node("Exp", ["r"], ["y"])]
    x = np.random.default_rng(len(shape)).uniform(-1, 1, shape).astype(np.float32)
    check_graph(graph_model(nodes, shape, {"zero": I64(0).reshape(()), "ax0": I64(0), "minus1": I64(-1)}), x, ["reshape", "unary"], tmp_path)


def test_shape_start_end_and_constant_of_shape_fold(tmp_path):
    """y = x + ConstantOfShape(Shape(x)[1:]) of 0.5 (broadcast over the first axis)."""
    nodes = [helper.make_node("Shape", ["x"], ["s"], start=1),
             helper.make_node("ConstantOfShape", ["s"], ["c"], value=numpy_helper.from_array(np.array([0.5], np.float32))),
             helper.make_node("Add", ["x", "c"], ["y"])]
    x = np.random.default_rng(1).uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    check_graph(graph_model(nodes, (2, 3, 4), {}), x, ["add"], tmp_path)


def test_range_folds(tmp_path):
    """y = x * Range(0, Shape(x)[-1], 1) cast to float."""
    nodes = [helper.make_node("Shape", ["x"], ["s"], start=-1),
             helper.make_node("Squeeze", ["s"], ["n"]),
             helper.make_node("Range", ["zero", "n", "one"], ["r"]),
             helper.make_node("Cast", ["r"], ["rf"], to=onnx.TensorProto.FLOAT),
             helper.make_node("Mul", ["x", "rf"], ["y"])]
    x = np.random.default_rng(2).uniform(-1, 1, (3, 5)).astype(np.float32)
    check_graph(graph_model(nodes, (3, 5), {"zero": I64(0).reshape(()), "one": I64(1).reshape(())}), x, ["binary"], tmp_path)


SEEDS = range(5)


def _shape(rng, low=1):
    return tuple(int(d) for d in rng.integers(1, 5, size=int(rng.integers(low, 5))))


@pytest.mark.parametrize("seed", SEEDS)
def test_gather(seed, tmp_path):
    """Constant or computed int32 / int64 indices of any rank, negative ones counting from the end."""
    rng = np.random.default_rng(seed)
    shape = _shape(rng)
    axis = int(rng.integers(-len(shape), len(shape)))
    n = shape[axis]
    idx = rng.integers(-n, n, size=_shape(rng, 0)[: seed % 3]).astype((np.int32, np.int64)[seed % 2])
    x = rand(rng, shape)
    t = tmp_path if seed < 2 else None
    if seed % 2:
        check_node("gather", "Gather", {"x": x, "i": idx}, tmp_path=t, axis=axis)
    else:
        check_node("gather", "Gather", {"x": x}, {"i": idx}, tmp_path=t, axis=axis)


def test_gather_rows_of_a_constant_table(tmp_path):
    """An embedding: a constant table, computed ids (negative ones from the end)."""
    table = rand(np.random.default_rng(2), (7, 4))
    nodes = [helper.make_node("Gather", ["table", "ids"], ["g"], axis=0), helper.make_node("Relu", ["g"], ["y"])]
    graph = helper.make_graph(nodes, "emb", [helper.make_tensor_value_info("ids", onnx.TensorProto.INT64, [5])],
                              [helper.make_empty_tensor_value_info("y")], [numpy_helper.from_array(table, "table")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    import onnxruntime as ort

    ids = np.array([0, 6, -1, -7, 3], np.int64)
    g, found = prepare(import_model(model)[0])
    assert not found and "gather" in [op.kind for op in g.ops]
    want = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"ids": ids})[0]
    assert_float_close(run_graph(g, {"ids": ids})[g.outputs[0]], want, "reference")
    assert run_on_board(compile_graph(g, tmp_path / "m.onnx", "m"), load_board("host"), {"ids": ids}, build_dir=tmp_path).match


@pytest.mark.parametrize("seed", SEEDS)
def test_expand(seed, tmp_path):
    rng = np.random.default_rng(seed)
    out = _shape(rng)
    shape = tuple(d if rng.integers(0, 2) else 1 for d in out[int(rng.integers(0, len(out))):])
    target = tuple(1 if rng.integers(0, 3) == 0 and d == 1 else d for d in out)  # 1 in the shape keeps x's
    check_node("slice", "Expand", {"x": rand(rng, shape)}, {"s": np.array(target, np.int64)}, tmp_path=tmp_path if seed < 2 else None)


@pytest.mark.parametrize("seed", SEEDS)
def test_tile(seed, tmp_path):
    rng = np.random.default_rng(seed)
    shape = _shape(rng)
    repeats = np.array([int(rng.integers(1, 4)) for _ in shape], np.int64)
    repeats[0] = 2
    check_node("concat", "Tile", {"x": rand(rng, shape)}, {"r": repeats}, tmp_path=tmp_path if seed < 2 else None)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op_type,mode", [("DepthToSpace", "DCR"), ("DepthToSpace", "CRD"), ("SpaceToDepth", None)])
def test_depth_space(op_type, mode, seed, tmp_path):
    rng = np.random.default_rng(seed)
    bs = int(rng.integers(1, 4))
    n, c, h, w = (int(v) for v in rng.integers((1, 1, 2, 2), 4))
    shape = (n, c * bs * bs, h, w) if op_type == "DepthToSpace" else (n, c, h * bs, w * bs)
    attrs = {"mode": mode} if mode else {}
    check_node("transpose" if bs > 1 else "reshape", op_type, {"x": rand(rng, shape)}, tmp_path=tmp_path if seed == 0 else None,
               opset=13, blocksize=bs, **attrs)


CASTS = [(np.float32, onnx.TensorProto.INT8), (np.float32, onnx.TensorProto.UINT8), (np.float32, onnx.TensorProto.INT16),
         (np.float32, onnx.TensorProto.INT32), (np.int32, onnx.TensorProto.FLOAT), (np.int32, onnx.TensorProto.INT8),
         (np.uint8, onnx.TensorProto.FLOAT), (np.int8, onnx.TensorProto.INT32)]


@pytest.mark.parametrize("src,to", CASTS, ids=lambda v: str(v))
def test_cast(src, to, tmp_path):
    """Floats truncate toward zero (in range of the target: out of range is undefined in ONNX)."""
    rng = np.random.default_rng(to)
    if src == np.float32:
        info = np.iinfo(helper.tensor_dtype_to_np_dtype(to))
        x = rng.uniform(max(info.min, -1000), min(info.max, 1000), (3, 5)).astype(np.float32)
    else:
        info = np.iinfo(src)
        x = rng.integers(max(info.min, -100), min(info.max, 100), (3, 5)).astype(src)
    check_node("cast", "Cast", {"x": x}, tmp_path=tmp_path, to=to)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
def test_pad_modes(mode, seed, tmp_path):
    rng = np.random.default_rng(seed)
    shape = tuple(int(d) for d in rng.integers(2, 5, size=int(rng.integers(1, 4))))
    limit = [d - 1 if mode == "reflect" else 3 for d in shape]
    pads = np.array([int(rng.integers(0, m + 1)) for m in limit * 2], np.int64)
    consts = {"p": pads, "v": np.array(rng.uniform(-1, 1), np.float32)} if mode == "constant" else {"p": pads}
    check_node("pad", "Pad", {"x": rand(rng, shape)}, consts, tmp_path=tmp_path if seed == 0 else None, opset=13, mode=mode)


def test_refusals():
    x = {"x": np.zeros((2, 3), np.float32)}
    assert problems("Cast", x, to=onnx.TensorProto.INT64) == ["a cast to int64 is not supported (float32, int8, uint8, int16, int32)"]
    assert problems("Gather", x, {"i": I64(3)}, axis=0) == ["an index is outside [-2, 2)"]
    assert problems("Tile", x | {"r": I64(2, 1)}) == ["repeats ('r') must be a constant"]
    assert problems("DepthToSpace", {"x": np.zeros((1, 4, 2, 2), np.float32)}, blocksize=2, mode="XYZ") == \
        ["mode 'XYZ' is not supported (DCR, CRD)"]
    assert problems("Pad", x, {"p": I64(3, 0, 0, 0)}, opset=19, mode="wrap") == ["wrap pads 3, 0 exceed axis 0 of 2"]
    assert problems("Pad", x, {"p": I64(-2, 0, -1, 0)}, opset=19) == ["pads [-2, 0, -1, 0] crop more than the input [2, 3]"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "wrap"])
def test_pad_negative_and_wrap(mode, seed, tmp_path):
    """Negative pads crop (a slice) before the positive ones pad; wrap is a concat of slices (opset 19)."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(d) for d in rng.integers(5, 8, size=int(rng.integers(1, 4))))
    pads = np.array([int(rng.integers(-2, 3)) for _ in shape * 2], np.int64)
    if mode == "wrap":
        pads = np.abs(pads)
    check_node("concat" if mode == "wrap" and pads.any() else "slice" if (pads < 0).any() else "pad", "Pad", {"x": rand(rng, shape)},
               {"p": pads}, tmp_path=tmp_path if seed == 0 else None, opset=19, mode=mode)


@pytest.mark.parametrize("seed", SEEDS)
def test_gather_nd(seed, tmp_path):
    """K of the leading axes indexed by constant or computed int64 coordinates, negative ones from the end."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(d) for d in rng.integers(2, 5, size=int(rng.integers(1, 4))))
    k = int(rng.integers(1, len(shape) + 1))
    idx = np.stack([rng.integers(-n, n, size=(3, 2)) for n in shape[:k]], axis=-1).astype(np.int64)
    x, t = rand(rng, shape), tmp_path if seed < 2 else None
    if seed % 2:
        check_node("gather_nd", "GatherND", {"x": x, "i": idx}, tmp_path=t, opset=13)
    else:
        check_node("gather_nd", "GatherND", {"x": x}, {"i": idx}, tmp_path=t, opset=13)
