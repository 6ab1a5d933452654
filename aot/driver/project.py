"""`microaot project`'s Python API: compiled models emitted into a standalone project."""
from __future__ import annotations

import tempfile
from pathlib import Path

from aot.driver.compiler import CompiledModel, emit
from aot.target.boards import Board
from aot.target.project import Project, ProjectError, write_project
from codegen_c.cfmt import c_ident


def model_prefixes(models: list[Path | str], prefixes: list[str] | None) -> list[str]:
    """The C prefix of each model: ``prefixes`` (one per model), else "model" for one model and
    each file's stem (as a C identifier) for several."""
    if prefixes is None:
        prefixes = ["model"] if len(models) == 1 else [c_ident(Path(m).stem) for m in models]
    if len(prefixes) != len(models):
        raise ProjectError(f"{len(models)} models need {len(models)} --prefix values, not {len(prefixes)}")
    if len(set(prefixes)) != len(prefixes):
        raise ProjectError(f"two models with the same prefix ({', '.join(prefixes)}): give each its own --prefix")
    return prefixes


def generate_project(cm: CompiledModel, board: Board | None, out_dir: Path | str, template: str, *,
                     prefix: str = "model", profile: bool = False, zephyr_board: str | None = None) -> Project:
    """Emit ``cm`` (C API ``prefix``) and write the project around it (aot.target.project.write_project:
    ``template`` make, cmake or zephyr; ``profile`` adds the per-operator profiler)."""
    return generate_models_project({prefix: cm}, board, out_dir, template, profile=profile, zephyr_board=zephyr_board)


def generate_models_project(models: dict[str, CompiledModel], board: Board | None, out_dir: Path | str,
                            template: str, *, profile: bool = False, zephyr_board: str | None = None) -> Project:
    """One firmware serving every model of ``models`` ({C prefix: compiled model}; RPC model index
    = position in the dict). One model: what generate_project writes."""
    with tempfile.TemporaryDirectory(prefix="microaot-models-") as tmp:
        dirs = [Path(tmp) / prefix for prefix in models]
        for d, (prefix, cm) in zip(dirs, models.items()):
            emit(cm, d, prefix=prefix)
        return write_project(dirs, board, out_dir, template, profile=profile, zephyr_board=zephyr_board)
