"""tflite-micro as the oracle: run a model, and measure the smallest arena it needs.

``run_tflm`` uses the tflite-micro Python interpreter in-process with a generous
arena.  ``tflm_min_arena`` bisects the arena size, each probe in its own
subprocess because an arena that is too small can crash the interpreter.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import Sequence

import numpy as np
from tflite_micro.python.tflite_micro import runtime

from tests.tflite_builder import read_io

_MIN_GENEROUS_ARENA = 1 << 20


def run_tflm(model: bytes, inputs: Sequence[np.ndarray], arena_size: int | None = None) -> list[np.ndarray]:
    """Run ``model`` once on ``inputs`` (in model input order); returns copies of all outputs."""
    return run_tflm_steps(model, [inputs], arena_size=arena_size)[0]


def run_tflm_steps(model: bytes, steps: Sequence[Sequence[np.ndarray]], reset_before: Sequence[int] = (),
                   arena_size: int | None = None) -> list[list[np.ndarray]]:
    """Run ``model`` on each step's inputs in turn on one interpreter, so that its variable tensors
    (persistent state) carry over, resetting it (``Interpreter.reset``: variables back to their
    initial values) before the steps whose index is in ``reset_before``; each step's outputs."""
    model = bytes(model)
    arena = arena_size if arena_size is not None else max(_MIN_GENEROUS_ARENA, 16 * len(model))
    interp = runtime.Interpreter.from_bytes(model, arena_size=arena)
    results = []
    for k, inputs in enumerate(steps):
        if k in reset_before:
            interp.reset()
        results.append(_invoke(interp, model, inputs))
    return results


def _invoke(interp, model: bytes, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    specs_in, specs_out = read_io(model)
    if len(inputs) != len(specs_in):
        raise ValueError(f"model has {len(specs_in)} inputs, got {len(inputs)}")
    for i, x in enumerate(inputs):
        want = interp.get_input_details(i)
        x = np.asarray(x)
        if x.dtype != want["dtype"] or tuple(x.shape) != tuple(want["shape"]):
            raise ValueError(f"input {i}: got {x.dtype}{list(x.shape)}, model wants "
                             f"{np.dtype(want['dtype'])}{list(want['shape'])}")
        interp.set_input(np.array(x, order="C", copy=True), i)  # (ascontiguousarray makes 0-d arrays 1-d)
    interp.invoke()
    return [np.array(interp.get_output(i), copy=True) for i in range(len(specs_out))]


# The probe: load the model with the given arena and run it once on zeros.
_PROBE = """
import sys, numpy as np
from tflite_micro.python.tflite_micro import runtime
model = open(sys.argv[1], "rb").read()
interp = runtime.Interpreter.from_bytes(model, arena_size=int(sys.argv[2]))
for i in range(int(sys.argv[3])):
    d = interp.get_input_details(i)
    interp.set_input(np.zeros(d["shape"], dtype=d["dtype"]), i)
interp.invoke()
"""


def _fits(path: str, arena: int, n_inputs: int) -> bool:
    proc = subprocess.run([sys.executable, "-c", _PROBE, path, str(arena), str(n_inputs)],
                          capture_output=True, timeout=120)
    return proc.returncode == 0


def tflm_min_arena(model: bytes, hi: int | None = None, granularity: int = 16) -> int:
    """Smallest arena size (multiple of ``granularity``) with which tflite-micro runs ``model``.

    The arena also holds TFLM's own bookkeeping (interpreter, tensor structs,
    allocations recorded by the Python wrapper's RecordingMicroAllocator), so it
    is an upper bound for a plain C runtime, not a tight bound on activations.
    """
    n_inputs = len(read_io(model)[0])
    fd, path = tempfile.mkstemp(suffix=".tflite")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(model)
        hi = hi or max(_MIN_GENEROUS_ARENA, 16 * len(model))
        if not _fits(path, hi, n_inputs):
            raise RuntimeError(f"tflite-micro cannot run the model even with a {hi}-byte arena")
        lo = 0  # invariant: lo does not fit (or is 0), hi fits
        while hi - lo > granularity:
            mid = (lo + hi) // 2 // granularity * granularity
            if mid <= lo:
                break
            if _fits(path, mid, n_inputs):
                hi = mid
            else:
                lo = mid
        return hi
    finally:
        os.unlink(path)
