"""`pip install .` works from a wheel outside the repository: the data folders (templates,
runtime_c, boards, zephyr_app, models) ship inside the package."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next((tmp / "dist").glob("microaot-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(tmp / "site"), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(tmp / "site"), "MICROAOT_CACHE": str(tmp / "cache")}
    return tmp, env


def test_wheel_compiles_and_runs_outside_the_repo(installed):
    tmp, env = installed
    where = subprocess.run([sys.executable, "-c", "import aot, aot.core.resources as r; print(aot.__file__); print(r.data_dir('templates'))"],
                           cwd=tmp, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(p.startswith(str(tmp / "site")) for p in where), where
    model = tmp / "site" / "aot" / "_data" / "models" / "hello_world_int8.tflite"
    r = subprocess.run([sys.executable, "-m", "aot", "run", str(model), "--board", "host", "--json"], cwd=tmp, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["match"] is True
    for folder in ("templates/ops", "runtime_c/src", "boards/qemu-mps2-an386", "zephyr_app", "models"):
        assert (tmp / "site" / "aot" / "_data" / folder).is_dir(), folder
