"""Locate the data folders (templates/, runtime_c/, boards/, zephyr_app/, models/).

In a wheel they live in ``aot/_data/<name>``; in a source checkout they are the
top-level folders of the repository.
"""
from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent  # aot/


def data_dir(name: str) -> Path:
    installed = _PKG / "_data" / name
    if installed.is_dir():
        return installed
    source = _PKG.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"microaot data folder {name!r} not found (looked in {installed} and {source})")
