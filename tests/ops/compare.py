"""Compare the NumPy reference (aot.driver.reference.run_graph) with tflite-micro on generated models."""
from __future__ import annotations

import numpy as np

from aot.driver.reference import run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import GENERATORS, make, random_inputs
from tests.tflm import run_tflm

SEEDS = range(10)
FLOAT_RTOL = FLOAT_ATOL = 1e-5


def cases(op: str, seeds=SEEDS) -> list[tuple[str, int]]:
    """(dtype, seed) pairs for ``op``: every dtype its generator supports."""
    return [(dtype, seed) for dtype in GENERATORS[op][1] for seed in seeds]


def assert_same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Bit-exact for integers, rtol/atol 1e-5 for floats; a readable diff otherwise."""
    assert got.dtype == want.dtype and got.shape == want.shape, \
        f"{what}: got {got.dtype}{list(got.shape)}, tflite-micro {want.dtype}{list(want.shape)}"
    if want.dtype.kind == "f":
        bad = ~np.isclose(got, want, rtol=FLOAT_RTOL, atol=FLOAT_ATOL, equal_nan=True)  # SQRT of x < 0
    else:
        bad = got != want
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64)).max()
        raise AssertionError(f"{what}: {int(bad.sum())}/{bad.size} elements differ (max |diff| {diff:g}); "
                             f"first at {first}: reference {got[first]}, tflite-micro {want[first]}")


def check_against_tflm(op: str, dtype: str, seed: int) -> None:
    check_model_against_tflm(make(op, seed, dtype), seed, f"{op} {dtype} seed {seed}")


def check_model_against_tflm(model: bytes, seed: int, what: str) -> None:
    """The NumPy reference of ``model`` equals tflite-micro on random inputs drawn with ``seed``."""
    inputs = random_inputs(model, np.random.default_rng(seed))
    want = run_tflm(model, inputs)
    g = load_tflite(model)
    got = run_graph(g, dict(zip(g.inputs, inputs)))
    assert len(g.outputs) == len(want)
    for name, w in zip(g.outputs, want):
        assert_same(got[name], w, f"{what} output {name!r}")


C_SEEDS = range(3)


def c_cases(op: str) -> list[tuple[str, int]]:
    return cases(op, C_SEEDS)


def check_c_against_reference(op: str, dtype: str, seed: int, build_dir, board: str = "host") -> None:
    check_model_c(make(op, seed, dtype), f"{op}_{dtype}_{seed}", dtype, seed, build_dir, board)


def compile_model(model: bytes, name: str, board=None, priority: str = "balanced"):
    """``model`` (.tflite bytes) compiled as ``name`` for ``board`` (a Board; None: portable kernels)."""
    import hashlib
    from pathlib import Path

    from aot.driver.compiler import compile_graph

    g = load_tflite(model)
    g.name = name
    return compile_graph(g, Path(f"{name}.tflite"), hashlib.sha256(model).hexdigest(), board=board, priority=priority)


def check_model_c(model: bytes, name: str, dtype: str, seed: int, build_dir, board: str = "host") -> None:
    """Generated C of ``model`` on ``board``, through the RPC, equals the NumPy reference (integers bit-exact)."""
    from pathlib import Path

    from aot.driver.runner import run_on_board
    from aot.target.boards import load_board

    target = load_board(board)
    cm = compile_model(model, name, target)
    inputs = random_inputs(model, np.random.default_rng(seed))
    result = run_on_board(cm, target, dict(zip(cm.imported.inputs, inputs)), build_dir=Path(build_dir))
    for c in result.comparisons:
        if dtype != "float32":
            assert c.max_abs_diff == 0, f"{name} on {board}: C differs from the reference on {c.name} by {c.max_abs_diff}"
        assert c.match, f"{name} on {board}: C differs from the reference on {c.name} by {c.max_abs_diff} (tol {c.tolerance})"


def op_tests(ops: list[str]):
    """The two parametrised tests of a family of single-op generators, to assign at module level:
    the reference against tflite-micro (every seed) and the host C against the reference (C_SEEDS)."""
    import pytest

    @pytest.mark.parametrize("op,dtype,seed", [(op, *c) for op in ops for c in cases(op)])
    def test_matches_tflm(op, dtype, seed):
        check_against_tflm(op, dtype, seed)

    @pytest.mark.parametrize("op,dtype,seed", [(op, *c) for op in ops for c in c_cases(op)])
    def test_c_matches_reference(op, dtype, seed, tmp_path):
        check_c_against_reference(op, dtype, seed, tmp_path)

    return test_matches_tflm, test_c_matches_reference


def refusals(model: bytes) -> list[tuple[str, str, str]]:
    """The problems ``inspect`` lists for a model that loading refuses (UnsupportedError)."""
    import pytest

    from aot.core.errors import UnsupportedError
    from aot.frontends.tflite import read_tflite

    problems = read_tflite(model)[1]
    with pytest.raises(UnsupportedError):
        load_tflite(model)
    return problems


def check_in_place(model: bytes, build_dir) -> None:
    """The single op of ``model`` runs in place over one of its inputs, and its host C still equals
    the NumPy reference (int8 bit-exact)."""
    import hashlib
    from pathlib import Path

    from aot.driver.compiler import compile_graph
    from aot.driver.reference import random_inputs as graph_inputs
    from aot.driver.runner import run_on_board
    from aot.target.boards import load_board

    g = load_tflite(model)
    cm = compile_graph(g, Path("inplace.tflite"), hashlib.sha256(model).hexdigest())
    assert cm.plan.in_place == {0}, "the planner should run this single op in place"
    assert cm.plan.offset(g.outputs[0]) in {cm.plan.offset(n) for n in g.inputs}
    result = run_on_board(cm, load_board("host"), graph_inputs(g, 1), build_dir=Path(build_dir))
    assert result.match and (g.tensor(g.outputs[0]).dtype == "float32" or result.max_abs_diff == 0), \
        [(c.max_abs_diff, c.tolerance) for c in result.comparisons]
