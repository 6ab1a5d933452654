"""Compile, build, run on a board through the RPC, and compare with the NumPy reference.

The outputs are compared twice: with the reference run on the imported graph (the model as the
frontend read it: what tflite-micro / onnxruntime run) and with the reference run on the graph
after the passes (what the C implements). Both must match, except where the passes recorded an
approximation (``Graph.approximations``: a QDQ float island run as an int8 kernel), where the
difference from the imported model is reported but the verdict is against the passes' graph."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from aot.core.errors import RunError
from aot.driver.compiler import CompiledModel, emit
from aot.driver.reference import initial_state, run_graph
from aot.target.boards import Board
from aot.target.build import BuildResult, build
from aot.target.session import open_target


def cache_root() -> Path:
    base = os.environ.get("MICROAOT_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "microaot")
    return Path(base)


def build_dir_for(cm: CompiledModel, board: Board, profile: bool, build_dir: Path | None = None) -> Path:
    if build_dir is not None:
        return Path(build_dir)
    return cache_root() / f"{cm.graph.name}-{cm.model_hash[:12]}" / (board.name + ("-profile" if profile else ""))


@dataclass
class Firmware:
    meta: dict
    build: BuildResult
    directory: Path


def build_firmware(cm: CompiledModel, board: Board, *, profile: bool = False, build_dir: Path | None = None) -> Firmware:
    directory = build_dir_for(cm, board, profile, build_dir)
    shutil.rmtree(directory / "model", ignore_errors=True)  # the build compiles every .c there: none may be stale
    meta = emit(cm, directory / "model")
    result = build(board, directory / "model", directory / "build", profile=profile)
    return Firmware(meta, result, directory)


@dataclass
class Comparison:
    name: str
    dtype: str
    shape: tuple[int, ...]
    max_abs_diff: float
    mismatches: int
    tolerance: float

    @property
    def match(self) -> bool:
        return self.max_abs_diff <= self.tolerance


# Float kernels accumulate in float32 in C and in float64 in NumPy: differences stay within
# a few float32 ulps of the output's magnitude; int8 must match exactly.
FLOAT_RTOL = 1e-4
FLOAT_ATOL = 1e-5


def compare(name: str, got: np.ndarray, expected: np.ndarray) -> Comparison:
    g, e = got.astype(np.float64).ravel(), expected.astype(np.float64).ravel()
    with np.errstate(invalid="ignore"):
        diff = np.abs(g - e)
    same = (g == e) | (np.isnan(g) & np.isnan(e))  # NaN where the reference has NaN (sqrt(-1)), equal infinities
    diff = np.where(same, 0.0, np.where(np.isnan(diff), np.inf, diff))
    if expected.dtype == np.float32:
        tol = FLOAT_ATOL + FLOAT_RTOL * float(np.abs(e[np.isfinite(e)]).max(initial=0.0))
    else:
        tol = 0.0
    return Comparison(name, str(expected.dtype), tuple(expected.shape), float(diff.max(initial=0.0)), int((diff > tol).sum()), tol)


@dataclass
class RunResult:
    firmware: Firmware | None  # None with ``port``: the device runs firmware built elsewhere
    outputs: dict[str, np.ndarray]
    expected: dict[str, np.ndarray]  # the reference on the imported graph (the model)
    model_comparisons: list[Comparison]  # the outputs against ``expected``
    counter: int
    counter_unit: str
    profile: list[int] = field(default_factory=list)
    expected_passes: dict[str, np.ndarray] = field(default_factory=dict)  # the reference after the passes
    pass_comparisons: list[Comparison] = field(default_factory=list)  # the outputs against ``expected_passes``
    approximations: list[str] = field(default_factory=list)  # the passes' rewrites not proven exact
    device: dict = field(default_factory=dict)  # RpcClient.model_info() of the model that ran: index, arena_bytes, ...

    @property
    def reference(self) -> str:
        """What the verdict is against: "model" (the imported graph; the passes' graph must agree
        too), or "passes" where the passes approximated (the model's difference is reported)."""
        return "passes" if self.approximations else "model"

    @property
    def comparisons(self) -> list[Comparison]:
        return self.pass_comparisons if self.reference == "passes" else self.model_comparisons

    @property
    def model_match(self) -> bool:
        return all(c.match for c in self.model_comparisons)

    @property
    def passes_match(self) -> bool:
        return all(c.match for c in self.pass_comparisons)

    @property
    def match(self) -> bool:
        return self.passes_match and (self.model_match or self.reference == "passes")

    @property
    def mismatch_against(self) -> list[str]:
        """Which references the outputs differ from: "model" (the imported graph), "passes"."""
        return [which for which, ok in (("model", self.model_match), ("passes", self.passes_match)) if not ok]

    @property
    def max_abs_diff(self) -> float:
        return _max_diff(self.comparisons)

    @property
    def model_max_abs_diff(self) -> float:
        return _max_diff(self.model_comparisons)

    @property
    def passes_max_abs_diff(self) -> float:
        return _max_diff(self.pass_comparisons)


def _max_diff(comparisons: list[Comparison]) -> float:
    return max((c.max_abs_diff for c in comparisons), default=0.0)


def device_model(client, cm: CompiledModel) -> dict:
    """model_info() of the model the device serves whose hash is ``cm``'s (a firmware may serve
    several); a device running other models is one clear error naming them."""
    models = client.models()
    for m in models:
        if m["hash"] == cm.model_hash:
            return m
    served = ", ".join(f"{m['name']} ({m['hash'][:12]})" for m in models)
    raise RunError(f"the device at {client.url} does not run {cm.graph.name} ({cm.model_hash[:12]}): it runs "
                   f"{served}; flash a firmware built from this model, or run the model the device has")


def _firmware(cm: CompiledModel, board: Board, port: str | None, profile: bool, build_dir: Path | None) -> Firmware | None:
    """The firmware to start, or None with ``port``: the device already runs one (not rebuilt)."""
    return None if port else build_firmware(cm, board, profile=profile, build_dir=build_dir)


def run_on_board(cm: CompiledModel, board: Board, inputs: dict[str, np.ndarray], *, port: str | None = None,
                 profile: bool = False, build_dir: Path | None = None, timeout: float = 30.0) -> RunResult:
    """Build the firmware and run it on ``board``; with ``port``, drive the firmware already
    running there (nothing built), on its model whose hash is ``cm``'s."""
    return run_sequence(cm, board, [inputs], port=port, profile=profile, build_dir=build_dir, timeout=timeout)[0]


def run_sequence(cm: CompiledModel, board: Board, sequence: list[dict[str, np.ndarray]], *, reset: bool = False,
                 port: str | None = None, profile: bool = False, build_dir: Path | None = None,
                 timeout: float = 30.0) -> list[RunResult]:
    """``run_on_board`` of consecutive inferences, one per input dict of ``sequence``, on one
    session: the model's state (its variable tensors, docs/architecture.md "State") carries
    over from one to the next, on the device as in the references. With ``reset``, the device and
    the references then reset their state (RPC ``RESET``) and run ``sequence[0]`` once more:
    the last result. A result per inference."""
    fw = _firmware(cm, board, port, profile, build_dir)
    graphs = [cm.graph] + ([cm.imported] if cm.imported is not None else [])
    states = [initial_state(g) for g in graphs]
    results = []
    with open_target(board, fw.build.executable if fw else None, port=port) as target:
        with target.client(timeout) as client:
            device = device_model(client, cm)
            stateful = bool(device.get("state_bytes"))  # (a stateless model's firmware may predate RESET)
            if stateful:
                client.reset(model=device["index"])  # a sequence starts from the initial state
            steps = [*sequence, sequence[0]] if reset else sequence
            for k, inputs in enumerate(steps):
                if reset and k == len(sequence):
                    if stateful:
                        client.reset(model=device["index"])
                    states = [initial_state(g) for g in graphs]
                # the graphs' inputs and outputs keep their names through the passes
                expected_passes, *imported = [run_graph(g, inputs, state=st) for g, st in zip(graphs, states)]
                expected = imported[0] if imported else expected_passes
                outs, counter = client.invoke([inputs[n] for n in cm.graph.inputs], model=device["index"])
                per_op = client.profile(model=device["index"]) if profile else []
                outputs = {n: o.reshape(cm.graph.tensor(n).shape) for n, o in zip(cm.graph.outputs, outs)}
                comps = [compare(n, outputs[n], expected[n]) for n in cm.graph.outputs]
                pass_comps = [compare(n, outputs[n], expected_passes[n]) for n in cm.graph.outputs]
                results.append(RunResult(fw, outputs, expected, comps, int(counter),
                                         device.get("counter_unit") or board.counter, per_op, expected_passes,
                                         pass_comps, list(cm.graph.approximations), device))
    return results


def run_samples(cm: CompiledModel, board: Board, samples: list[dict[str, np.ndarray]], *, port: str | None = None,
                build_dir: Path | None = None, timeout: float = 30.0,
                progress=None) -> tuple[Firmware | None, list[dict[str, np.ndarray]]]:
    """Build once (not with ``port``) and run every sample on one session (``validate``): the
    outputs of each by name. ``progress(i, n)`` is called after each sample. Samples are
    independent: a model with state is reset before each (as the reference runs each afresh)."""
    fw = _firmware(cm, board, port, False, build_dir)
    results = []
    with open_target(board, fw.build.executable if fw else None, port=port) as target:
        with target.client(timeout) as client:
            device = device_model(client, cm)
            index = device["index"]
            for i, inputs in enumerate(samples):
                if device.get("state_bytes"):
                    client.reset(model=index)
                outs, _ = client.invoke([inputs[n] for n in cm.graph.inputs], model=index)
                results.append({n: o.reshape(cm.graph.tensor(n).shape) for n, o in zip(cm.graph.outputs, outs)})
                if progress is not None:
                    progress(i + 1, len(samples))
    return fw, results
