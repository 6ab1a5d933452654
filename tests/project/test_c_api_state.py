"""The state area through the C API (docs/c_api.md "The state area"): a resource-variable
accumulator (y = x + v; v = y, v starting at CALL_ONCE's constant) compiled with and without
-DAOT_EXTERNAL_ARENA; consecutive runs carry the state, <prefix>_reset starts over, and an
external build refuses to run before its first reset."""
import subprocess

import numpy as np
import pytest

from aot.driver.reference import initial_state, run_graph
from aot.frontends.tflite import load_tflite
from tests.op_models import make
from tests.project.test_c_api import STRICT, compile_model, gcc

PROGRAM = r"""
#include <stdio.h>
#include "acc.h"

#ifdef AOT_EXTERNAL_ARENA
static uint8_t arena[ACC_ARENA_SIZE] __attribute__((aligned(ACC_ARENA_ALIGN)));
static uint8_t state[ACC_STATE_SIZE] __attribute__((aligned(ACC_ARENA_ALIGN)));
#define ARENA arena
#define STATE state
#else
#define ARENA acc_model.arena
#define STATE acc_model.state
#endif

static float x[ACC_INPUT0_ELEMENTS], y[ACC_OUTPUT0_ELEMENTS];

static int step(void)
{
    uint32_t i;
    if (acc_quantize_input(ARENA, 0, x, ACC_INPUT0_ELEMENTS) != AOT_OK || acc_run(ARENA) != AOT_OK
        || acc_dequantize_output(ARENA, 0, y, ACC_OUTPUT0_ELEMENTS) != AOT_OK) {
        return 1;
    }
    for (i = 0; i < ACC_OUTPUT0_ELEMENTS; i++) {
        printf("%.9g ", (double)y[i]);
    }
    printf("\n");
    return 0;
}

int main(void)
{
    uint32_t i, k;
    for (i = 0; i < ACC_INPUT0_ELEMENTS; i++) {
        x[i] = 0.25f;
    }
#ifdef AOT_EXTERNAL_ARENA
    if (acc_model.state != 0 || acc_run(ARENA) != AOT_ERR_ARG) {
        return 2;
    }
    acc_reset(STATE);
#endif
    for (k = 0; k < 3; k++) {
        if (step()) {
            return 1;
        }
    }
    acc_model.reset(STATE);
    return step();
}
"""


@pytest.mark.parametrize("external", [False, True], ids=["static-state", "external-state"])
def test_state_carries_over_and_resets(tmp_path, external):
    model = make("resource_variable", 0, "float32")
    (tmp_path / "acc.tflite").write_bytes(model)
    compile_model(tmp_path / "acc.tflite", tmp_path / "out", "--prefix", "acc")
    (tmp_path / "app.c").write_text(PROGRAM)
    gcc([*STRICT, *(["-DAOT_EXTERNAL_ARENA"] if external else []), f"-I{tmp_path / 'out'}", tmp_path / "app.c",
         tmp_path / "out" / "acc.c", "-o", tmp_path / "app", "-lm"])
    lines = subprocess.run([str(tmp_path / "app")], capture_output=True, text=True, check=True).stdout.splitlines()
    g = load_tflite(model)
    assert g.tensor(g.state()[0]).init is not None  # (seed 0 draws a CALL_ONCE initialisation)
    x = {g.inputs[0]: np.full(g.tensor(g.inputs[0]).shape, 0.25, np.float32)}
    state = initial_state(g)
    want = [run_graph(g, x, state=state)[g.outputs[0]].ravel() for _ in range(3)] + [run_graph(g, x)[g.outputs[0]].ravel()]
    got = [np.array(line.split(), dtype=np.float32) for line in lines]
    assert len(got) == 4
    for k, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=f"step {k}")
    assert not np.allclose(got[0], got[1])
