"""The generated C of every supported bundled model (TFLite and ONNX) built for the host with
AddressSanitizer and UndefinedBehaviorSanitizer, aborting at the first report, and run once
against the reference: an out-of-bounds access, a signed overflow or a misaligned load in a
kernel or in the model's code kills the firmware, so the run fails."""
import dataclasses
import shutil

import pytest

from aot.driver.compiler import compile_file
from aot.driver.reference import random_inputs
from aot.driver.runner import run_on_board
from aot.target.boards import load_board
from tests.models_list import (
    FLOAT_MODELS,
    INT8_MODELS,
    MODELS_DIR,
    REJECTED,
    model_path,
)

# GCC's UBSan instrumentation of shifts raises false -Wsign-conversion / -Wconversion reports
# (e.g. on `(uint16_t)(crc << 1)`); the ordinary builds check those warnings.
SANITIZE = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer",
            "-Wno-sign-conversion", "-Wno-conversion")
ONNX_MODELS = sorted(str(p.relative_to(MODELS_DIR)) for p in MODELS_DIR.glob("onnx/**/*.onnx"))


def sanitized_host():
    """The host board with the sanitizers on (its cflags also go to the link)."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    board = load_board("host")
    return dataclasses.replace(board, cflags=(*board.cflags, *SANITIZE))


def test_every_bundled_model_is_covered():
    listed = set(INT8_MODELS) | set(FLOAT_MODELS) | set(REJECTED)
    assert {p.stem for p in MODELS_DIR.glob("*.tflite")} == listed
    assert ONNX_MODELS


@pytest.mark.parametrize("name", [str(model_path(n).relative_to(MODELS_DIR)) for n in INT8_MODELS + FLOAT_MODELS]
                         + ONNX_MODELS)
def test_sanitized_host_c_matches_reference(name, tmp_path):
    cm = compile_file(MODELS_DIR / name)
    result = run_on_board(cm, sanitized_host(), random_inputs(cm.graph, 5), build_dir=tmp_path)
    assert result.match, [(c.name, c.max_abs_diff, c.tolerance) for c in result.comparisons]
