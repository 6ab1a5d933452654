"""`microaot project`'s Python API: a compiled model emitted into a standalone project."""
from __future__ import annotations

import tempfile
from pathlib import Path

from aot.driver.compiler import CompiledModel, emit
from aot.driver.inputs import load_inputs
from aot.target.boards import Board
from aot.target.project import Project, ProjectError, write_project


def generate_project(cm: CompiledModel, board: Board | None, out_dir: Path | str, template: str, *,
                     prefix: str = "model", profile: bool = False, zephyr_board: str | None = None,
                     inputs: str | Path | None = None, seed: int = 0) -> Project:
    """Emit ``cm`` (C API ``prefix``) and write the project around it (aot.target.project.write_project:
    ``template`` make, cmake, zephyr or app; ``profile`` adds the per-operator profiler). Template
    app bakes a sample input into app/sample_input.h: ``inputs`` (.npy / .npz, as `run --inputs`;
    float32 values for a quantised input are quantised by app/main.c) or random ones drawn with
    ``seed``."""
    sample, note = None, ""
    if template == "app":
        sample = load_inputs(cm.graph, inputs, seed, keep_float=True)   # app/main.c quantises float values
        note = f"from {Path(inputs).name}" if inputs else f"random, seed {seed}"
    elif inputs is not None:
        raise ProjectError("--inputs is the sample input of --template app")
    with tempfile.TemporaryDirectory(prefix="microaot-model-") as model_dir:
        emit(cm, Path(model_dir), prefix=prefix)
        return write_project(model_dir, board, out_dir, template, profile=profile, zephyr_board=zephyr_board,
                             sample=sample, sample_note=note)
