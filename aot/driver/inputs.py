"""Model inputs from files (.npy for a single input, .npz keyed by input name) or a seed."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from aot.core.errors import AotError
from aot.core.ir import Graph
from aot.driver.reference import check_inputs, random_inputs


def load_inputs(g: Graph, path: str | Path | None, seed: int = 0, *, keep_float: bool = False) -> dict[str, np.ndarray]:
    """``keep_float``: a float32 array given for a quantised integer input stays float32 (of the
    input's shape) for the caller to quantise, as firmware quantises a sensor's values."""
    if path is None:
        return random_inputs(g, seed)
    arrays = read_arrays(g, path, "inputs")
    unknown = sorted(set(arrays) - set(g.inputs))
    if unknown:
        raise AotError(f"{path}: keys {unknown} are not model inputs (inputs: {g.inputs})")
    floats = {n: a for n, a in arrays.items() if keep_float and _float_for_quantised(g, n, a)}
    stand_ins = {n: np.zeros(g.tensor(n).shape, g.tensor(n).np_dtype) for n in floats}
    return {**check_inputs(g, {**arrays, **stand_ins}), **{n: a.reshape(g.tensor(n).shape) for n, a in floats.items()}}


def _float_for_quantised(g: Graph, name: str, a: np.ndarray) -> bool:
    t = g.tensor(name)
    return a.dtype == np.float32 and a.size == t.size and t.dtype != "float32" and t.quant is not None


def load_steps(g: Graph, path: str | Path | None, seed: int, steps: int) -> list[dict[str, np.ndarray]]:
    """The inputs of ``steps`` consecutive inferences: from a file whose arrays have a leading
    step axis of that length, or random (step k: the inputs of seed ``seed + k``)."""
    if path is None:
        return [random_inputs(g, seed + k) for k in range(steps)]
    arrays = read_arrays(g, path, "inputs")
    unknown = sorted(set(arrays) - set(g.inputs))
    if unknown:
        raise AotError(f"{path}: keys {unknown} are not model inputs (inputs: {g.inputs})")
    for name, a in arrays.items():
        if a.ndim < 1 or a.shape[0] != steps:
            raise AotError(f"{path}: {name!r} of shape {list(a.shape)} needs a leading step axis of {steps} (--steps)")
    return [check_inputs(g, {name: a[k] for name, a in arrays.items()}) for k in range(steps)]


def read_arrays(g: Graph, path: str | Path, what: str) -> dict[str, np.ndarray]:
    """The arrays of a .npz (by key) or of a .npy (as ``g``'s only input); ``what`` names the
    file's role in the one-line error a file that cannot be read gives."""
    path = Path(path)
    if path.suffix == ".npz":
        return read_numpy(path, what)
    if path.suffix == ".npy":
        if len(g.inputs) != 1:
            raise AotError(f"{path}: the model has {len(g.inputs)} inputs; give a .npz keyed by {g.inputs}")
        return {g.inputs[0]: read_numpy(path, what)}
    raise AotError(f"{path}: {what} must be a .npy or .npz file")


def read_numpy(path: str | Path, what: str) -> np.ndarray | dict[str, np.ndarray]:
    """A .npy's array or a .npz's arrays by key; a file NumPy cannot read (missing, empty, not NumPy's,
    a damaged zip, pickled objects) is one line naming ``what``."""
    try:
        data = np.load(path)  # allow_pickle=False: object arrays and pickles are refused
        if isinstance(data, np.lib.npyio.NpzFile):
            with data:
                return {k: data[k] for k in data.files}
        return data
    except EOFError:
        reason = "an empty file"
    except zipfile.BadZipFile as e:
        reason = f"a damaged .npz: {e}"
    except OSError as e:
        reason = e.strerror or str(e)
    except ValueError as e:  # NumPy reads a file without its magic number as a pickle, which it refuses
        reason = "not a NumPy .npy/.npz file" if "pickle" in str(e) else str(e)
    raise AotError(f"{path}: cannot read {what} ({reason})")


def save_outputs(directory: str | Path, outputs: dict[str, np.ndarray]) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "outputs.npz"
    np.savez(path, **outputs)
    return path
