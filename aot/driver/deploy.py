"""`microaot build` and `microaot flash`: a project (aot.driver.project) generated into a folder --
the one given, or one per model, board and template in the cache -- then built there with its
own build command (aot.target.deploy), then, for flash, the board's flash command run on it.

Regenerating copies only the files whose content changed, so make, cmake and west rebuild only
what changed: a second `microaot flash` of the same model builds nothing."""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from aot.driver.compiler import CompiledModel
from aot.driver.project import generate_project
from aot.driver.runner import cache_root
from aot.target.boards import Board
from aot.target.project import MARKER, Project, ProjectError


def project_dir_for(cm: CompiledModel, board: Board | None, template: str, zephyr_board: str | None) -> Path:
    where = (zephyr_board or (board.zephyr_board if template == "zephyr" and board else None)
             or (board.name if board else "board")).replace("/", "_")
    return cache_root() / f"{cm.graph.name}-{cm.model_hash[:12]}" / f"project-{template}-{where}"


def prepare(cm: CompiledModel, board: Board | None, template: str, out_dir: Path | None = None, **kw) -> Project:
    """Generate the project of ``cm`` into ``out_dir`` (default: its cache folder), rewriting
    only changed files; keyword arguments as generate_project's."""
    directory = Path(out_dir or project_dir_for(cm, board, template, kw.get("zephyr_board"))).resolve()
    with tempfile.TemporaryDirectory(prefix="microaot-project-") as tmp:
        staged = generate_project(cm, board, Path(tmp) / "project", template, **kw)
        _sync(staged.directory, directory)
    return replace(staged, directory=directory)


def _sync(src: Path, dest: Path) -> None:
    """Make ``dest`` hold the project ``src``: files with new content are copied, files only the
    earlier project in ``dest`` listed are deleted, build outputs stay."""
    old: list[str] = []
    if dest.exists() and any(dest.iterdir()):
        if not (dest / MARKER).is_file():
            raise ProjectError(f"{dest} exists and is not empty (and is not a microaot project): choose a new folder")
        old = json.loads((dest / MARKER).read_text()).get("files", [])
    new = json.loads((src / MARKER).read_text())["files"]
    for rel in set(old) - set(new):
        path = (dest / rel).resolve()
        if path.is_relative_to(dest) and path.is_file():
            path.unlink()
    for rel in new:
        source, target = src / rel, dest / rel
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
