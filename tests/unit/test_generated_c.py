"""The C generated for every bundled model and every single-op generator's model (tests/op_models,
seed 0, each dtype; portable and DSP kernels) reads like hand-written
C: constants folded, no loop of one iteration, indented by its braces, `(void)arena;` only
where arena is unused, no per-op copies of runtime helpers, and aot_dsp.c beside model.c
exactly when a DSP kernel calls it. (That it compiles warning-free with -Wconversion
-Wsign-conversion and is bit-exact is checked where it is built: tests/ops, tests/models,
tests/qemu.)"""
import dataclasses
import re

import pytest

from aot.driver.compiler import compile_file, emit
from aot.target.boards import load_board
from codegen_c.cexpr import c_layout
from tests.models_list import FLOAT_MODELS, INT8_MODELS, MODELS_DIR
from tests.op_models import CASES, make
from tests.ops.compare import compile_model

MODELS = [MODELS_DIR / f"{m}.tflite" for m in INT8_MODELS + FLOAT_MODELS] + sorted(MODELS_DIR.glob("onnx/**/*.onnx"))
KERNEL = re.compile(r"^(?:static void|AOT_OP) (op\d+_\w+)\(uint8_t \*arena\)\n\{\n(.*?)^\}$", re.M | re.S)
UNFOLDED = re.compile(r"\* 1(?![\w.])|[+-] 0(?![\w.])|[+-] -\d|\+ \(-")  # not "* 1.5f", "+ 0.5f"


@pytest.fixture(scope="module", params=["portable", "dsp"])
def generated(request, tmp_path_factory):
    """{model name: (model.c text, files written)} with portable or DSP kernels."""
    board = dataclasses.replace(load_board("host"), features=("dsp",)) if request.param == "dsp" else None
    compiled = [(path.stem, compile_file(path, board=board, priority="speed")) for path in MODELS]
    compiled += [(f"{op}_{dtype}", compile_model(make(op, 0, dtype), f"{op}_{dtype}", board, priority="speed"))
                 for op, dtype in CASES]
    out = {}
    for name, cm in compiled:
        d = tmp_path_factory.mktemp(name)
        emit(cm, d)
        out[name] = ((d / "model.c").read_text(), sorted(p.name for p in d.iterdir()))
    with_dsp = [m for m, (_, files) in out.items() if "aot_dsp.c" in files]
    assert len(with_dsp) >= 4 if board else not with_dsp, with_dsp   # the checks see both kinds
    return out


def kernels(source: str) -> list[tuple[str, str]]:
    return KERNEL.findall(source)


def test_constants_are_folded_and_loops_of_one_iteration_gone(generated):
    for model, (source, _) in generated.items():
        for fn, body in kernels(source):
            for line in body.splitlines():
                assert not UNFOLDED.search(line), f"{model} {fn}: {line.strip()}"
                assert not re.search(r"for \(int (\w+) = 0; \1 < 1;|for \(int (\w+) = 0; \2 >= 0;", line), \
                    f"{model} {fn}: {line.strip()}"


def test_c_is_indented_by_its_braces(generated):
    for model, (source, _) in generated.items():
        assert c_layout(source) == source, model


def test_void_arena_only_where_arena_is_unused(generated):
    for model, (source, _) in generated.items():
        for fn, body in kernels(source):
            if "(void)arena;" in body:
                assert "arena" not in body.replace("(void)arena;", ""), f"{model} {fn}"


def test_runtime_helpers_are_not_copied_per_op(generated):
    for model, (source, _) in generated.items():
        # op12_softmax_exp( would be; the one function ops of the same code share (codegen_c/share.py) is not
        assert not re.search(r"^static .*\bop\d+_\w+\((?!uint8_t \*arena\))(?<!_shared\()", source, re.M), model
        if re.search(r"\bop\d+_softmax\(", source) and not re.search(r"aot_get_reciprocal|softmax_int16_exp_lut", source):
            assert "expf(" in source, model  # float softmax (int8: the runtime's reciprocal; int16: the model's shared tables)


def test_aot_dsp_c_is_written_when_a_dsp_kernel_calls_it(generated):
    for model, (source, files) in generated.items():
        calls = re.search(r"\baot_(fc_s8|conv_px|mm_2col|dw_row)(_sat)?\(", source) is not None
        assert ("aot_dsp.c" in files) == ("#include \"aot_dsp.h\"" in source), model
        assert calls <= ("aot_dsp.c" in files), model
