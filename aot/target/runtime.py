"""Where the C runtime (runtime_c/) lives and which of its files a firmware compiles."""
from __future__ import annotations

from pathlib import Path

from aot.core.resources import data_dir

_SOURCES = ("aot_crc.c", "aot_framing.c", "aot_rpc_server.c", "main.c")
_PROFILE_SOURCES = ("aot_profile.c",)


def runtime_include_dir() -> Path:
    """Add with -I: aot_hal.h, aot_model.h, aot_rpc.h, aot_profile.h."""
    return data_dir("runtime_c") / "include"


def runtime_sources(profile: bool) -> list[Path]:
    """C files of the runtime (RPC server + main). With ``profile`` also the per-op profiler;
    the firmware must then be compiled with -DAOT_PROFILE."""
    src = data_dir("runtime_c") / "src"
    names = _SOURCES + (_PROFILE_SOURCES if profile else ())
    return [src / n for n in names]
