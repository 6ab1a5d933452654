"""`microaot validate`: run every sample of a dataset through the compiled model (host or board)
and measure it against a reference model: top-1 agreement, accuracy, cosine similarity, RMSE,
max abs error per output, and bit-exactness against the NumPy reference of the compiled graph.

Samples whose dtype differs from an input's are converted as firmware would: float -> int8 by the
QUANTIZE reference with the input's scale and zero point, int8 -> float by DEQUANTIZE (for a float
reference model). Outputs are dequantised to float before they are compared with the reference."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aot import ops
from aot.core.errors import AotError
from aot.core.ir import Graph, Op, Tensor
from aot.driver.compiler import CompiledModel
from aot.driver.inputs import read_arrays, read_numpy
from aot.driver.reference import run_graph
from aot.driver.runner import compare, run_samples
from aot.target.boards import Board


def load_dataset(g: Graph, path: str | Path) -> tuple[dict[str, np.ndarray], int]:
    """The samples per input name, each (N, *input shape), and N."""
    return dataset(g, read_arrays(g, path, "the dataset"), path)


def dataset(g: Graph, arrays: dict[str, np.ndarray], path: str | Path) -> tuple[dict[str, np.ndarray], int]:
    """``load_dataset`` of arrays read from ``path`` (the file the errors name)."""
    if sorted(arrays) != sorted(g.inputs):
        raise AotError(f"{path}: keys {sorted(arrays)} are not the model inputs {g.inputs}")
    counts = {len(a) if a.ndim else 0 for a in arrays.values()}
    if counts == {0}:
        raise AotError(f"{path}: no samples (the first axis of its arrays is the sample, and it is empty)")
    if len(counts) != 1 or 0 in counts:
        raise AotError(f"{path}: every array needs the same number of samples on its first axis (got {sorted(counts)})")
    n = counts.pop()
    samples = {}
    for name, a in arrays.items():
        t = g.tensor(name)
        if a[0].size != t.size or a.dtype.kind not in "fiu":
            raise AotError(f"{path}: input {name!r}: samples of {a.dtype}{list(a.shape[1:])}, expected {t.dtype}{list(t.shape)}")
        samples[name] = a.reshape((n, *t.shape))
    return samples, n


def load_labels(path: str | Path, n: int) -> np.ndarray:
    labels = read_numpy(path, "the labels")
    if isinstance(labels, dict):
        raise AotError(f"{path}: labels must be one array (.npy), not a .npz")
    if labels.shape != (n,) or labels.dtype.kind not in "iu":
        raise AotError(f"{path}: labels must be {n} integer class indices, got {labels.dtype}{list(labels.shape)}")
    return labels


def convert(sample: np.ndarray, t: Tensor, source: Tensor) -> np.ndarray:
    """A sample of the model's input ``source`` as tensor ``t`` takes it: float samples quantised by the
    QUANTIZE reference with ``t``'s scale and zero point, integer samples of a quantised ``source``
    dequantised (for a float reference model)."""
    if sample.dtype == t.np_dtype:
        return sample
    if sample.dtype.kind == "f" and t.quant is not None:
        if not np.isfinite(sample).all():  # QUANTIZE of NaN or infinity is no number: a warning and garbage
            raise AotError(f"input {t.name!r}: a sample has NaN or infinite values, which an {t.dtype} input cannot take")
        real = Tensor("real", t.shape, "float32")
        g = Graph({"real": real, t.name: t}, [], ["real"], [t.name])
        return ops.get("quantize").reference(Op("quantize", ["real"], [t.name]), g, [sample.astype(np.float32)])[0]
    if t.dtype == "float32" and sample.dtype.kind == "f":
        return sample.astype(np.float32)
    if t.dtype == "float32" and sample.dtype == source.np_dtype:
        return _dequantized(sample, source).astype(np.float32)
    raise AotError(f"input {t.name!r}: cannot give {sample.dtype} samples to a {t.dtype} input")


def _dequantized(a: np.ndarray, t: Tensor) -> np.ndarray:
    """Values of tensor ``t`` as float (the DEQUANTIZE reference); float tensors as they are."""
    if t.quant is None:
        return a.astype(np.float64)
    out = Tensor("real", t.shape, "float32")
    g = Graph({t.name: t, "real": out}, [], [t.name], ["real"])
    return ops.get("dequantize").reference(Op("dequantize", [t.name], ["real"]), g, [a.astype(t.np_dtype)])[0].astype(np.float64)


@dataclass
class OutputMetrics:
    name: str
    reference: str  # the reference model's output it is compared with
    top1_agreement: float | None  # None for a single-element output
    cosine: float
    rmse: float
    max_abs_error: float

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Validation:
    model: str
    reference: str  # the reference model's path, or the model itself
    board: str
    samples: int
    outputs: list[OutputMetrics]
    accuracy: float | None  # top-1 of the first output against the labels
    reference_accuracy: float | None
    bit_exact: bool  # every sample equals the NumPy reference of the compiled graph
    mismatched_samples: int

    def to_json(self) -> dict:
        return {**self.__dict__, "outputs": [o.to_json() for o in self.outputs]}


def metrics(name: str, ref_name: str, got: np.ndarray, want: np.ndarray) -> OutputMetrics:
    """``got`` and ``want``: (samples, elements) float64 arrays of one output."""
    top1 = float(np.mean(got.argmax(1) == want.argmax(1))) if got.shape[1] > 1 else None
    g, w = got.ravel(), want.ravel()
    norms = np.linalg.norm(g) * np.linalg.norm(w)
    cosine = float(g @ w / norms) if norms else float(np.array_equal(g, w))
    err = np.abs(g - w)
    return OutputMetrics(name, ref_name, top1, cosine, float(np.sqrt(np.mean(err**2))), float(err.max(initial=0.0)))


def validate(cm: CompiledModel, board: Board, data: str | Path, *, labels: str | Path | None = None,
             reference: Graph | None = None, reference_name: str | None = None, port: str | None = None,
             build_dir: Path | None = None, progress=None) -> Validation:
    """``progress(text)``: the build, then every tenth sample and the last (the data are read first:
    a bad file fails before the build)."""
    g = cm.graph
    ref = reference if reference is not None else (cm.imported or g)
    if len(ref.inputs) != len(g.inputs) or len(ref.outputs) != len(g.outputs):
        raise AotError(f"the reference has {len(ref.inputs)} inputs and {len(ref.outputs)} outputs, "
                       f"the model {len(g.inputs)} and {len(g.outputs)}")
    for a, b in zip(g.outputs + g.inputs, ref.outputs + ref.inputs):
        if g.tensor(a).size != ref.tensor(b).size:
            raise AotError(f"the reference's {b!r} has {ref.tensor(b).size} elements, the model's {a!r} {g.tensor(a).size}")
    samples, n = load_dataset(g, data)
    truth = load_labels(labels, n) if labels is not None else None
    inputs = [{k: convert(samples[k][i], g.tensor(k), g.tensor(k)) for k in g.inputs} for i in range(n)]
    say = progress or (lambda text: None)
    say(f"running {g.name} on the device at {port} ..." if port else f"building {g.name} for {board.name} ...")
    _, outputs = run_samples(cm, board, inputs, port=port, build_dir=build_dir,
                             progress=lambda i, total: say(f"sample {i}/{total}") if i == total or i % 10 == 0 else None)
    mismatched = 0
    pairs = list(zip(g.outputs, ref.outputs))
    got, want = [[] for _ in pairs], [[] for _ in pairs]  # per output pair: each sample's values as float, flat
    for i, (x, y) in enumerate(zip(inputs, outputs)):
        expected = run_graph(g, x)
        mismatched += not all(compare(k, y[k], expected[k]).match for k in g.outputs)
        ref_out = run_graph(ref, {r: convert(samples[k][i], ref.tensor(r), g.tensor(k)) for k, r in zip(g.inputs, ref.inputs)})
        for j, (k, r) in enumerate(pairs):
            got[j].append(_dequantized(y[k], g.tensor(k)).ravel())
            want[j].append(_dequantized(ref_out[r], ref.tensor(r)).ravel())
    got, want = [np.stack(a) for a in got], [np.stack(a) for a in want]
    results = [metrics(k, r, got[j], want[j]) for j, (k, r) in enumerate(pairs)]
    accuracy = reference_accuracy = None
    if truth is not None:
        accuracy = float(np.mean(got[0].argmax(1) == truth))
        reference_accuracy = float(np.mean(want[0].argmax(1) == truth))
    return Validation(str(cm.source), reference_name or str(cm.source), board.name, n, results, accuracy,
                      reference_accuracy, mismatched == 0, mismatched)
