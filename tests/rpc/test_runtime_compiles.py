"""runtime_c builds warning-free for the host and for bare-metal Cortex-M without libc."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from aot.target.build import WARNING_CFLAGS
from aot.target.runtime import runtime_include_dir, runtime_sources

WARN = ["-std=c99", *WARNING_CFLAGS, "-pedantic"]
ARM = ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-ffreestanding", "-Os"]


def _compile(cc: list[str], profile: bool, out_dir, *flags: str) -> list[str]:
    objs = []
    for src in runtime_sources(profile):
        obj = out_dir / f"{src.stem}.o"
        cmd = [*cc, *WARN, *(["-DAOT_PROFILE"] if profile else []), *flags, f"-I{runtime_include_dir()}", "-c", str(src),
               "-o", str(obj)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"
        objs.append(str(obj))
    return objs


@pytest.mark.parametrize("profile", [False, True])
def test_host_gcc(tmp_path, profile):
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    _compile(["gcc", "-O2"], profile, tmp_path)


@pytest.mark.parametrize("profile, flags, models", [
    (False, (), {"aot_model"}), (True, (), {"aot_model"}),
    (False, ("-DAOT_MODEL=kws_model",), {"kws_model"}),
    (False, ("-DAOT_MODEL_TABLE",), {"aot_models", "aot_models_count"}),   # several models: a table
])
def test_cortex_m_needs_only_the_hal_and_the_model(tmp_path, profile, flags, models):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not installed")
    objs = _compile(ARM, profile, tmp_path, *flags)
    linked = tmp_path / "runtime.o"
    subprocess.run(["arm-none-eabi-ld", "-r", *objs, "-o", str(linked)], check=True)
    nm = subprocess.run(["arm-none-eabi-nm", "-u", str(linked)], capture_output=True, text=True, check=True)
    undefined = {line.split()[-1] for line in nm.stdout.splitlines() if line.strip()}
    allowed = {*models, "aot_hal_init", "aot_hal_putc", "aot_hal_getc", "aot_hal_cycles",
               "aot_hal_counter_unit", "aot_hal_board_name"}
    assert "aot_hal_getc" in undefined and models <= undefined
    assert {s for s in undefined if not s.startswith("__aeabi_")} <= allowed  # no libc
    assert profile == ("aot_profile_begin" in subprocess.run(
        ["arm-none-eabi-nm", str(linked)], capture_output=True, text=True).stdout)
