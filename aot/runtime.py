"""The C runtime shipped with microaot: where its sources and headers are."""
from __future__ import annotations

from pathlib import Path

from aot.resources import data_dir


def runtime_include_dir() -> Path:
    return data_dir("runtime_c") / "include"


def runtime_sources(profile: bool) -> list[Path]:
    """Every runtime_c/src/*.c; the per-operator profiler only when profiling."""
    src = data_dir("runtime_c") / "src"
    return sorted(p for p in src.glob("*.c") if profile or p.name != "aot_profile.c")
