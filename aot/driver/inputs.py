"""Model inputs from files (.npy for a single input, .npz keyed by input name) or a seed."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from aot.core.errors import AotError
from aot.core.ir import Graph
from aot.driver.reference import check_inputs, random_inputs


def load_inputs(g: Graph, path: str | Path | None, seed: int = 0) -> dict[str, np.ndarray]:
    if path is None:
        return random_inputs(g, seed)
    path = Path(path)
    try:
        if path.suffix == ".npz":
            with np.load(path) as data:
                arrays = {k: data[k] for k in data.files}
            unknown = sorted(set(arrays) - set(g.inputs))
            if unknown:
                raise AotError(f"{path}: keys {unknown} are not model inputs (inputs: {g.inputs})")
        elif path.suffix == ".npy":
            if len(g.inputs) != 1:
                raise AotError(f"{path}: the model has {len(g.inputs)} inputs; give a .npz keyed by {g.inputs}")
            arrays = {g.inputs[0]: np.load(path)}
        else:
            raise AotError(f"{path}: inputs must be a .npy or .npz file")
    except (OSError, ValueError) as e:
        raise AotError(f"{path}: cannot read inputs ({e})") from None
    return check_inputs(g, arrays)


def save_outputs(directory: str | Path, outputs: dict[str, np.ndarray]) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "outputs.npz"
    np.savez(path, **outputs)
    return path
