"""`microaot build` and `microaot flash`: a project (aot.driver.project) generated into a folder --
the one given, or one per model, board and template in the cache -- then built there with its
own build command (aot.target.deploy), then, for flash, the board's flash command run on it.

Regenerating copies only the files whose content changed, so make, cmake and west rebuild only
what changed: a second `microaot flash` of the same model builds nothing."""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from aot.driver.compiler import CompiledModel
from aot.driver.project import generate_models_project
from aot.driver.runner import cache_root
from aot.target.boards import Board
from aot.target.project import MARKER, Project, ProjectError


def project_dir_for(models: dict[str, CompiledModel], board: Board | None, template: str,
                    zephyr_board: str | None) -> Path:
    """The cache folder of a project: the run builds' folder of a single model, a folder named
    after every model and its prefix for several."""
    where = (zephyr_board or (board.zephyr_board if template == "zephyr" and board else None)
             or (board.name if board else "board")).replace("/", "_")
    if len(models) == 1 and "model" in models:
        cm = models["model"]
        folder = f"{cm.graph.name}-{cm.model_hash[:12]}"
    else:
        key = hashlib.sha256(" ".join(f"{p}={cm.model_hash}" for p, cm in models.items()).encode()).hexdigest()
        folder = f"{'+'.join(cm.graph.name for cm in models.values())}-{key[:12]}"
    return cache_root() / folder / f"project-{template}-{where}"


def prepare(models: dict[str, CompiledModel], board: Board | None, template: str, out_dir: Path | None = None,
            **kw) -> Project:
    """Generate the project of ``models`` ({C prefix: compiled model}) into ``out_dir`` (default:
    its cache folder), rewriting only changed files; keyword arguments as generate_models_project's."""
    directory = Path(out_dir or project_dir_for(models, board, template, kw.get("zephyr_board"))).resolve()
    with tempfile.TemporaryDirectory(prefix="microaot-project-") as tmp:
        staged = generate_models_project(models, board, Path(tmp) / "project", template, **kw)
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
