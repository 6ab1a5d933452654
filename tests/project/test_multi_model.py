"""Several models in one firmware (`microaot project A B --prefix a b`): one RPC server serves
them by model index; each answers like the NumPy reference (int8 bit-exact, float32 within
1e-5 relative). `microaot run --port` builds nothing and picks the device's model by hash; a
device that runs other models is one line naming them."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from project_helpers import MODELS, clean_env, need_tools, run_build

from aot.driver.compiler import compile_file
from aot.driver.project import generate_models_project, model_prefixes
from aot.driver.reference import random_inputs, run_graph
from aot.rpc.client import RpcClient
from aot.target.boards import load_board
from aot.target.host import HostSession
from aot.target.project import ProjectError
from aot.target.qemu import QemuSession

KWS, HW_INT8, HW = "kws_ref_model_int8.tflite", "hello_world_int8.tflite", "hello_world_float32.tflite"


def build_firmware(tmp, board, models: dict[str, str]):
    """A make project serving ``models`` ({prefix: file}, in index order), built; (firmware, {prefix: cm})."""
    need_tools("make", board.cc)
    cms = {p: compile_file(MODELS / m, board=board) for p, m in models.items()}
    project = generate_models_project(cms, board, tmp / "project", "make")
    run_build(["make", "-j2"], project.directory, clean_env("make", board.cc))
    return project.directory / project.firmware, cms


def check_models(url, alive, cms: dict) -> None:
    """Every model over the RPC by its index, against the NumPy reference of its compiled graph."""
    with RpcClient(url, 30.0, alive=alive) as client:
        client.wait_ready(20)
        served = client.models()
        assert [(m["index"], m["name"], m["hash"], m["arena_bytes"]) for m in served] == [
            (i, cm.graph.name, cm.model_hash, cm.plan.arena_bytes) for i, cm in enumerate(cms.values())]
        for index, cm in enumerate(cms.values()):
            inputs = random_inputs(cm.graph, seed=7 + index)
            expected = run_graph(cm.graph, inputs)
            outputs, counter = client.invoke([inputs[n] for n in cm.graph.inputs], model=index)
            assert counter > 0
            for name, got in zip(cm.graph.outputs, outputs):
                want = expected[name]
                got = got.reshape(want.shape)
                assert got.dtype == want.dtype
                if want.dtype == np.float32:
                    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"{cm.graph.name}: {name}")
                else:
                    assert np.array_equal(got, want), f"{cm.graph.name}: output {name} differs from the reference"


@pytest.fixture(scope="module")
def host_two_models(tmp_path_factory):
    return build_firmware(tmp_path_factory.mktemp("two"), load_board("host"), {"kws": KWS, "hw": HW})


def test_host_firmware_serves_both_models_by_index(host_two_models):
    exe, cms = host_two_models
    model_dir = exe.parents[1] / "model"
    table = (model_dir / "aot_models.c").read_text()
    assert "aot_models[] = {&kws_model, &hw_model};" in table and "aot_models_count = 2;" in table
    assert json.loads((model_dir / "kws" / "metadata.json").read_text())["descriptor"] == "kws_model"
    assert json.loads((model_dir / "hw" / "metadata.json").read_text())["descriptor"] == "hw_model"
    assert not (model_dir / "metadata.json").exists()
    with HostSession(exe) as session:
        check_models(session.url, session.alive, cms)


def _run_cli(model: str, url: str, cache) -> subprocess.CompletedProcess:
    env = {**os.environ, "MICROAOT_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "aot", "run", str(MODELS / model), "--board", "host", "--port", url,
                           "--json"], capture_output=True, text=True, env=env, timeout=120)


def test_run_port_picks_the_model_by_hash_and_builds_nothing(host_two_models, tmp_path):
    exe, cms = host_two_models
    cache = tmp_path / "cache"
    with HostSession(exe) as session:
        r = _run_cli(HW, session.url, cache)
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["match"] is True and out["model_index"] == 1
        assert out["arena_bytes"] == cms["hw"].plan.arena_bytes
        assert (out["flash_bytes"], out["ram_bytes"], out["stack_bytes"]) == (None, None, None)
        r = _run_cli(KWS, session.url, cache)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["model_index"] == 0

        data = tmp_path / "x.npy"
        np.save(data, np.linspace(0, 6, 12, dtype=np.float32).reshape(12, 1))
        r = subprocess.run([sys.executable, "-m", "aot", "validate", str(MODELS / HW), "--data", str(data), "--port",
                            session.url, "--json"], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "MICROAOT_CACHE": str(cache)})
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["samples"] == 12

        r = _run_cli(HW_INT8, session.url, cache)   # not on the device
        assert r.returncode == 2
        error = json.loads(r.stdout)["error"]
        assert "\n" not in error and "shape" not in error
        for cm in cms.values():
            assert f"{cm.graph.name} ({cm.model_hash[:12]})" in error
        assert session.alive()
    assert not cache.exists() or not any(cache.rglob("*.elf")) and not any(cache.rglob("firmware"))


def test_prefixes_and_refusals(tmp_path):
    assert model_prefixes([MODELS / KWS], None) == ["model"]
    assert model_prefixes([MODELS / KWS, MODELS / HW], None) == ["kws_ref_model_int8", "hello_world_float32"]
    with pytest.raises(ProjectError, match="2 --prefix values, not 1"):
        model_prefixes([MODELS / KWS, MODELS / HW], ["a"])
    with pytest.raises(ProjectError, match="same prefix"):
        model_prefixes([MODELS / KWS, MODELS / HW], ["a", "a"])
    r = subprocess.run([sys.executable, "-m", "aot", "project", str(MODELS / KWS), str(MODELS / HW), "--prefix", "a",
                        "--board", "host", "-o", str(tmp_path / "p")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.strip() == "microaot: error: 2 models need 2 --prefix values, not 1"
    assert not (tmp_path / "p").exists()
    cm = compile_file(MODELS / HW)
    with pytest.raises(ProjectError, match="zephyr serves one model, not 2"):
        generate_models_project({"a": cm, "b": cm}, None, tmp_path / "z", "zephyr", zephyr_board="mps2/an386")
    assert not (tmp_path / "z").exists()


@pytest.mark.qemu
def test_cortex_m4_firmware_serves_three_models_with_one_dsp_runtime(tmp_path):
    board = load_board("qemu-mps2-an386")
    need_tools(board.qemu[0])
    elf, cms = build_firmware(tmp_path, board, {"kws": KWS, "hwi": HW_INT8, "hw": HW})
    project = elf.parents[1]
    makefile = (project / "Makefile").read_text()
    assert makefile.count("model/aot_dsp.c") == 1 and "-DAOT_MODEL_TABLE" in makefile
    nm = subprocess.run([board.binutil("nm"), "--defined-only", str(elf)], capture_output=True, text=True, check=True)
    symbols = [line.split()[-1] for line in nm.stdout.splitlines()]
    for name in ("aot_fc_s8", "kws_model", "hwi_model", "hw_model", "aot_models"):
        assert symbols.count(name) == 1, name
    with QemuSession(board, elf) as session:
        check_models(session.url, session.alive, cms)
        session.check()
