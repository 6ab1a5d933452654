"""`microaot project`'s Python API: compiled models emitted into a standalone project."""
from __future__ import annotations

import tempfile
from pathlib import Path

from aot.driver.compiler import CompiledModel, emit
from aot.driver.inputs import load_inputs
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
                     prefix: str = "model", profile: bool = False, zephyr_board: str | None = None,
                     inputs: str | Path | None = None, seed: int = 0) -> Project:
    """Emit ``cm`` (C API ``prefix``) and write the project around it (aot.target.project.write_project:
    ``template`` make, cmake, zephyr or app; ``profile`` adds the per-operator profiler; ``inputs``,
    ``seed``: the sample of template app, as generate_models_project's)."""
    return generate_models_project({prefix: cm}, board, out_dir, template, profile=profile, zephyr_board=zephyr_board,
                                   inputs=inputs, seed=seed)


def generate_models_project(models: dict[str, CompiledModel], board: Board | None, out_dir: Path | str,
                            template: str, *, profile: bool = False, zephyr_board: str | None = None,
                            inputs: str | Path | None = None, seed: int = 0) -> Project:
    """One firmware serving every model of ``models`` ({C prefix: compiled model}; RPC model index
    = position in the dict). One model: what generate_project writes. Template app (one model)
    bakes a sample input into app/sample_input.h: ``inputs`` (.npy / .npz, as `run --inputs`;
    float32 values for a quantised input are quantised by app/main.c) or random ones drawn with
    ``seed``."""
    sample, note = None, ""
    if template == "app" and len(models) == 1:
        cm, = models.values()
        sample = load_inputs(cm.graph, inputs, seed, keep_float=True)   # app/main.c quantises float values
        note = f"from {Path(inputs).name}" if inputs else f"random, seed {seed}"
    elif inputs is not None and template != "app":
        raise ProjectError("--inputs is the sample input of --template app")
    with tempfile.TemporaryDirectory(prefix="microaot-models-") as tmp:
        dirs = [Path(tmp) / prefix for prefix in models]
        for d, (prefix, cm) in zip(dirs, models.items()):
            emit(cm, d, prefix=prefix)
        return write_project(dirs, board, out_dir, template, profile=profile, zephyr_board=zephyr_board,
                             sample=sample, sample_note=note)
