"""Ops whose generated code differs only in their constant arrays share one function
(codegen_c/share.py): each op's function calls it with its own arrays; other ops keep their
code; a static const record naming the arrays becomes automatic, a mutable static keeps
the function apart. End to end: the repeated depthwise blocks
of kws (the DSP build) share one function, and the host build of the shared code is bit-exact."""
import re

from aot.driver.compiler import compile_file, emit
from aot.driver.reference import random_inputs
from aot.driver.runner import run_on_board
from aot.target.boards import load_board
from codegen_c.share import render_key, share
from tests.models_list import model_path

ARRAYS = {"w1_op1_w": "int8_t", "w2_op1_b": "int32_t", "w3_op3_w": "int8_t", "w4_op3_b": "int32_t", "w5_op5_w": "int8_t"}


def body(fn: str, w: str, b: str, n: int = 8) -> str:
    return (f"AOT_OP {fn}(uint8_t *arena)\n{{\n    int8_t *y = (int8_t *)(arena + 64);\n"
            f"    for (int i = 0; i < {n}; ++i) {{\n        y[i] = (int8_t)({w}[i] + {b}[0]);\n    }}\n}}\n")


def test_same_code_but_arrays_is_one_function():
    texts = [body("op1_conv2d", "w1_op1_w", "w2_op1_b"), body("op3_conv2d", "w3_op3_w", "w4_op3_b")]
    out = share([render_key(f, t, ARRAYS) for f, t in zip(("op1_conv2d", "op3_conv2d"), texts)], ARRAYS)
    joined = "".join(out)
    assert joined.count("AOT_OP op1_conv2d_shared(uint8_t *arena, const int8_t *aot_c0, const int32_t *aot_c1)") == 1
    assert "op1_conv2d_shared(arena, w1_op1_w, w2_op1_b);" in out[0]
    assert "op1_conv2d_shared(arena, w3_op3_w, w4_op3_b);" in out[1]
    assert "w3_op3_w[i]" not in joined and "aot_c0[i] + aot_c1[0]" in joined
    assert re.search(r"AOT_OP op3_conv2d\(uint8_t \*arena\)\n\{\n    op1_conv2d_shared", out[1])


def test_different_code_stays_apart():
    texts = {"op1_conv2d": body("op1_conv2d", "w1_op1_w", "w2_op1_b"),
             "op3_conv2d": body("op3_conv2d", "w3_op3_w", "w4_op3_b", n=16)}
    assert share([render_key(f, t, ARRAYS) for f, t in texts.items()], ARRAYS) == list(texts.values())


def with_record(fn: str, w: str, qual: str = "static const") -> str:
    return (f"static void {fn}(uint8_t *arena)\n{{\n    static const int8_t zeros[4] = {{0}};\n"
            f"    {qual} rec_t r = {{{w}, 3}};\n    run(&r, zeros, arena);\n}}\n")


def test_const_records_naming_the_arrays_become_automatic():
    texts = [with_record("op1_conv2d", "w1_op1_w"), with_record("op5_conv2d", "w5_op5_w")]
    out = share([render_key(f, t, ARRAYS) for f, t in zip(("op1_conv2d", "op5_conv2d"), texts)], ARRAYS)
    assert "static void op1_conv2d_shared(uint8_t *arena, const int8_t *aot_c0)" in out[0]
    assert "\n    const rec_t r = {aot_c0, 3};" in out[0]  # automatic: its initialiser names a parameter
    assert "static const int8_t zeros[4] = {0};" in out[0]  # a static naming no array stays static
    assert "op1_conv2d_shared(arena, w5_op5_w);" in out[1]


def test_mutable_statics_naming_the_arrays_stay_apart():
    texts = [with_record("op1_conv2d", "w1_op1_w", "static"), with_record("op5_conv2d", "w5_op5_w", "static")]
    assert share([render_key(f, t, ARRAYS) for f, t in zip(("op1_conv2d", "op5_conv2d"), texts)], ARRAYS) == texts


def test_kws_depthwise_blocks_share_one_function(tmp_path):
    cm = compile_file(model_path("kws_ref_model_int8"), board=load_board("qemu-mps2-an386"))
    emit(cm, tmp_path)
    source = (tmp_path / "model.c").read_text()
    shared = re.findall(r"AOT_OP (op\d+_depthwise_conv2d)_shared\(", source)
    assert len(shared) == 1
    calls = re.findall(rf"\b{shared[0]}_shared\(arena, (\w+)\);", source)
    assert len(calls) == 4 and len(set(calls)) == 4  # each block with its own weights


def test_shared_code_on_the_host_is_bit_exact(tmp_path):
    cm = compile_file(model_path("kws_ref_model_int8"))
    emit(cm, tmp_path / "src")
    assert "_shared(arena" in (tmp_path / "src" / "model.c").read_text()
    result = run_on_board(cm, load_board("host"), random_inputs(cm.graph, 7), build_dir=tmp_path / "build")
    assert result.match and result.max_abs_diff == 0
