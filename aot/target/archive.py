"""Deterministic export archive of a compiled model (`microaot compile -o DIR --archive OUT.tar`).

The tar holds every file of DIR under a top folder named after the model (``<model>/model.c``,
``<model>/metadata.json``, ...), entries sorted by name, with mode 0644, uid/gid 0, no user or
group names and one fixed mtime (SOURCE_DATE_EPOCH if set, else 0): the same model and options
give the same bytes. ``.tar.gz`` / ``.tgz`` are gzip-compressed with a zero gzip timestamp.
Layout: docs/project.md.
"""
from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

from aot.core.errors import AotError


def _mtime() -> int:
    try:
        return int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    except ValueError:
        raise AotError(f"SOURCE_DATE_EPOCH must be an integer, not {os.environ['SOURCE_DATE_EPOCH']!r}") from None


def tar_bytes(src_dir: Path, top: str) -> bytes:
    """The uncompressed tar of every regular file below src_dir, under ``top/``."""
    src_dir = Path(src_dir)
    files = sorted((p for p in src_dir.rglob("*") if p.is_file()), key=lambda p: p.relative_to(src_dir).as_posix())
    mtime = _mtime()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs_done: set[str] = set()
        for path in files:
            rel = path.relative_to(src_dir).as_posix()
            parts = rel.split("/")[:-1]
            for i in range(len(parts)):     # folders inside DIR, each once, before their files
                d = "/".join(parts[: i + 1])
                if d not in dirs_done:
                    dirs_done.add(d)
                    tar.addfile(_info(f"{top}/{d}", mtime, tarfile.DIRTYPE, 0o755))
            data = path.read_bytes()
            tar.addfile(_info(f"{top}/{rel}", mtime, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))
    return buf.getvalue()


def _info(name: str, mtime: int, kind: bytes, mode: int, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.mtime = kind, mode, size, mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def write_archive(src_dir: Path, out: Path | str, top: str) -> Path:
    """Write the archive of src_dir to ``out`` (gzip for .tar.gz / .tgz); return its path."""
    out = Path(out)
    data = tar_bytes(src_dir, top)
    if out.name.endswith((".tar.gz", ".tgz")):
        data = gzip.compress(data, compresslevel=9, mtime=0)
    elif not out.name.endswith(".tar"):
        raise AotError(f"archive {out}: the name must end in .tar, .tar.gz or .tgz")
    if out.parent != Path(""):
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
