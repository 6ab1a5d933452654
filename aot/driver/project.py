"""`microaot project`'s Python API: a compiled model emitted into a standalone project."""
from __future__ import annotations

import tempfile
from pathlib import Path

from aot.driver.compiler import CompiledModel, emit
from aot.target.boards import Board
from aot.target.project import Project, write_project


def generate_project(cm: CompiledModel, board: Board | None, out_dir: Path | str, template: str, *,
                     prefix: str = "model", profile: bool = False, zephyr_board: str | None = None) -> Project:
    """Emit ``cm`` (C API ``prefix``) and write the project around it (aot.target.project.write_project:
    ``template`` make, cmake or zephyr; ``profile`` adds the per-operator profiler)."""
    with tempfile.TemporaryDirectory(prefix="microaot-model-") as model_dir:
        emit(cm, Path(model_dir), prefix=prefix)
        return write_project(model_dir, board, out_dir, template, profile=profile, zephyr_board=zephyr_board)
