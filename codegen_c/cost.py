"""The kernels' cost model: instructions of one op under a kernel and its knob settings, per CPU.

Every op is described by the same generic terms (``terms``): one call, its MACs, output and
(non-constant) input elements, output rows (the output's dims before the last two), pixels
(outputs / channels), window elements (MACs / output channels: what an im2col gathers) and taps
(MACs / input channels: the trips of a loop over the input channels). A kernel may add terms of its own (its
``cost_terms`` hook in codegen_c/kernel.py) where these fit it badly. The instructions of
kernel ``kind/dtype/key`` (e.g. "conv2d/int8/dsp:cols=0": the op kind, its first input's
dtype, the kernel and its knob settings) on a CPU are a non-negative combination of the
terms, its coefficients fitted by least squares to per-op QEMU profiles
(benchmarks/fit_costs.py, or `microaot tune --refit`) and stored as data in
codegen_c/costs/<cpu>.json:

    {"format": 1, "cpu": "cortex-m4", "board": "qemu-mps2-an386", "unit": "instructions",
     "kernels": {"conv2d/int8/dsp": {"coef": {"calls": 310.0, "macs": 1.1, ...}, "points": 41,
                                "rms_rel": 0.03, "max_rel": 0.09}, ...}}

A kernel (or CPU) without coefficients has no modelled cost (None): the policy then ranks that
op's kernels in their declared order of preference (aot/driver/choose.py).
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from aot import ops
from aot.core.ir import Graph, Op
from codegen_c.kernel import Kernel, KernelChoice

COSTS_DIR = Path(__file__).parent / "costs"
FORMAT = 1


def terms(op: Op, g: Graph, kernel: Kernel | None = None, knobs: dict | None = None) -> dict[str, float]:
    """The op's cost terms: the generic ones, plus ``kernel``'s own (its ``cost_terms`` hook)."""
    macs = ops.get(op.kind).macs(op, g)
    outs = [g.tensor(n) for n in op.outputs if n is not None]
    outputs = sum(t.size for t in outs)
    inputs = sum(g.tensor(n).size for n in op.inputs if n is not None and not g.tensor(n).is_const)
    shape = tuple(outs[0].shape) if outs else ()
    channels = max(shape[-1], 1) if shape else 1
    first = g.tensor(op.inputs[0]).shape if op.inputs and op.inputs[0] is not None else ()
    in_channels = max(first[-1], 1) if len(first) else 1
    out = {"calls": 1.0, "macs": float(macs), "outputs": float(outputs), "inputs": float(inputs),
           "rows": float(math.prod(shape[:-2])), "pixels": outputs / channels, "window": macs / channels,
           "taps": macs / in_channels}
    if kernel is not None and kernel.cost_terms is not None:
        out.update(kernel.cost_terms(op, g, knobs or {}))
    return out


def key(op: Op, g: Graph, choice: KernelChoice) -> str:
    """How the coefficients file names a kernel of an op kind and dtype: "conv2d/int8/dsp:cols=0"."""
    dtype = g.tensor(op.inputs[0]).dtype if op.inputs and op.inputs[0] is not None else "none"
    return f"{op.kind}/{dtype}/{choice.key}"


def path_for(cpu: str) -> Path:
    return COSTS_DIR / f"{cpu}.json"


@lru_cache(maxsize=None)
def load(cpu: str) -> dict[str, dict]:
    """{kernel key: {"coef": {term: value}, ...}} for ``cpu``; {} when none was fitted."""
    path = path_for(cpu) if cpu else None
    if path is None or not path.exists():
        return {}
    data = json.loads(path.read_text())
    return data.get("kernels", {}) if data.get("format") == FORMAT else {}


def save(cpu: str, board: str, kernels: dict[str, dict], unit: str = "instructions") -> Path:
    path = path_for(cpu)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": FORMAT, "cpu": cpu, "board": board, "unit": unit, "kernels": dict(sorted(kernels.items()))}
    path.write_text(json.dumps(data, indent=1) + "\n")
    load.cache_clear()
    return path


def modelled(cpu: str, op: Op, g: Graph, kernel: Kernel, choice: KernelChoice) -> float | None:
    """Modelled instructions of ``op`` under ``kernel`` with ``choice``'s knobs on ``cpu``;
    None when that kernel and knob setting has no coefficients for the CPU."""
    entry = load(cpu).get(key(op, g, choice))
    if entry is None:
        return None
    t = terms(op, g, kernel, dict(choice.knobs))
    return float(sum(c * t.get(name, 0.0) for name, c in entry["coef"].items()))
