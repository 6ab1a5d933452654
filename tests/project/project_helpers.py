"""Helpers of the project tests (imported as a plain module: tests/ has no packages).

A project is used the way a user would: generated, copied somewhere else (the generated folder
is then deleted), built there with a clean environment, its firmware run and driven over the
RPC, outputs compared bit for bit with the NumPy reference."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from aot.core.resources import data_dir
from aot.driver.compiler import CompiledModel, compile_file
from aot.driver.inputs import load_inputs
from aot.driver.project import generate_project
from aot.driver.reference import run_graph
from aot.rpc.client import RpcClient
from aot.target.project import Project

ROOT = Path(__file__).resolve().parents[2]
MODELS = data_dir("models")
STUB = Path(__file__).parent / "zephyr_stub"


def need_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")


def installation_paths() -> set[str]:
    """Where microaot's own files are: a project must name none of them."""
    return {str(ROOT), str(data_dir("boards").parent), str(data_dir("runtime_c").parent)}


def make_project(tmp: Path, template: str, board, model: str, **kw) -> tuple[Path, CompiledModel, Project]:
    """Generate, move to tmp/elsewhere/project, check it names nothing outside itself."""
    cm = compile_file(MODELS / model, board=board)   # as `microaot project` does: the board's kernel variants
    gen = tmp / "generated"
    project = generate_project(cm, board, gen, template, **kw)
    moved = tmp / "elsewhere" / "project"
    shutil.copytree(gen, moved, symlinks=True)
    shutil.rmtree(gen)
    assert_self_contained(moved)
    return moved, cm, project


def assert_self_contained(folder: Path) -> None:
    roots = installation_paths()
    for p in folder.rglob("*"):
        assert not p.is_symlink(), f"{p} is a link"
        if p.is_file():
            text = p.read_bytes().decode("utf-8", "replace")
            named = [r for r in roots if r in text]
            assert not named, f"{p.relative_to(folder)} names {named}"


def clean_env(*tools: str) -> dict[str, str]:
    """PATH with only the folders of the tools a build needs (and the usual system ones)."""
    dirs = [str(Path(shutil.which(t)).parent) for t in tools if shutil.which(t)]
    return {"PATH": os.pathsep.join(dict.fromkeys([*dirs, "/usr/bin", "/bin"])), "LC_ALL": "C"}


def run_build(cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed in {cwd}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


def check_rpc(url: str, alive, cm: CompiledModel, board_name: str, seed: int = 0) -> dict:
    """Drive the firmware at ``url`` over the RPC; outputs must equal the NumPy reference."""
    inputs = load_inputs(cm.graph, None, seed)
    expected = run_graph(cm.graph, inputs)
    with RpcClient(url, 30.0, alive=alive) as client:
        client.wait_ready(20)
        info = client.info()
        outputs, counter = client.invoke([inputs[n] for n in cm.graph.inputs])
    assert info["board"] == board_name
    assert info["hash"] == cm.model_hash
    assert info["name"] == cm.graph.name
    for name, got in zip(cm.graph.outputs, outputs):
        want = expected[name]
        assert got.dtype == want.dtype
        assert np.array_equal(got.reshape(want.shape), want), f"output {name} differs from the reference"
    assert counter > 0
    return info
