"""Build the host firmware with the mock model (plain gcc; aot/target/build.py is not needed here)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from aot.core.resources import data_dir
from aot.target.build import WARNING_CFLAGS
from aot.target.runtime import runtime_include_dir, runtime_sources

FIXTURES = Path(__file__).parent / "fixtures"
CFLAGS = ["-std=c99", "-O2", *WARNING_CFLAGS]


def gcc(out: Path, sources: list[Path], *flags: str) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    cmd = ["gcc", *CFLAGS, *flags, f"-I{runtime_include_dir()}", *map(str, sources), "-o", str(out), "-lm"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"
    return out


def build_host_firmware(out: Path, model_c: Path, profile: bool = True, *extra: Path, flags: tuple[str, ...] = ()) -> Path:
    hal = data_dir("boards") / "host" / "hal.c"
    return gcc(out, [*runtime_sources(profile), hal, model_c, *extra], *(["-DAOT_PROFILE"] if profile else []), *flags)


@pytest.fixture(scope="session")
def mock_firmware(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_host_firmware(tmp_path_factory.mktemp("fw") / "mock_fw", FIXTURES / "mock_model.c")


@pytest.fixture(scope="session")
def mock_firmware_noprofile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_host_firmware(tmp_path_factory.mktemp("fw") / "mock_fw_noprof", FIXTURES / "mock_model.c", profile=False)


@pytest.fixture(scope="session")
def mock_two_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """main.c serving the table of fixtures/mock_table.c: mock_model (index 0) and "double" (1)."""
    return build_host_firmware(tmp_path_factory.mktemp("fw") / "mock_two", FIXTURES / "mock_model.c", True,
                               FIXTURES / "mock_table.c", flags=("-DAOT_MODEL_TABLE",))


@pytest.fixture(scope="session")
def framing_driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = data_dir("runtime_c") / "src"
    return gcc(tmp_path_factory.mktemp("drv") / "framing_driver",
               [src / "aot_crc.c", src / "aot_framing.c", FIXTURES / "framing_driver.c"])
