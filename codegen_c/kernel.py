"""The kernel contract: every way to generate an operator's C, declared as data.

Each ``codegen_c/ops/<kind>.py`` lists its kernels in ``KERNELS``, in order of preference
(the reference kernel first, the fastest last), in the manner of CMSIS-NN's wrapper +
``*_get_buffer_size`` pairs: a kernel says what it needs and what it promises, and nothing
outside its declaration knows it.

- ``name``: how tuning records, ``inspect`` and progress messages call it ("portable", "dsp").
  A kernel that only runs in place (``in_place_only``) may share its name with the kernel it
  stands in for: "portable" is the reference C in whichever form the memory plan needs;
- ``template``: the Jinja2 template under templates/ it renders;
- ``lower(index, op, ctx, knobs) -> dict``: the template variables, every constant computed at
  compile time (``knobs`` a dict of this kernel's knob values, {} for the default);
- ``features``: CPU features it needs (board.toml ``features``, aot.target.boards.FEATURES);
- ``applies(op, graph)``: shapes, dtypes and quantisation it handles;
- ``scratch(op, graph, knobs) -> bytes``: arena bytes it needs while it runs;
- ``overwrites(op, graph) -> input indices``: inputs whose storage it may write its output over,
  reading each element before it is written (its access order is the promise);
- ``view``: its output *is* its input (a reshape): the planner always shares the storage;
- ``slices(op, graph) -> byte offsets``: its output is its inputs' bytes side by side (a
  concatenation): input k may be produced straight into the output at byte ``slices[k]`` (None:
  not that input; () : no input), and the kernel skips copying an input already in its place;
- ``knobs(op, graph) -> [knob settings]``: settings to try, default first, then leaner ones
  (less scratch, slower) or ones that spend flash (``flash``), as tuples of (name, value);
- ``runtime``: the runtime_c files its code calls (headers model.c includes, sources built
  beside it), e.g. the DSP kernels' aot_dsp.h;
- ``flash(op, graph, knobs) -> bytes``: flash a knob setting adds over the kernel's default
  (e.g. weights stored wider for a faster loop); the policy spends flash only under
  ``--priority speed`` and only where the board's flash holds it (aot/driver/choose.py);
- ``cost_terms(op, graph, knobs) -> {term: value}`` (optional): cost terms of its own beside the
  generic ones (codegen_c/cost.py), for a kernel whose instructions those fit badly.

Everything else reads these declarations (codegen_c/registry.py answers the questions): the
compile driver's choice policy (aot/driver/choose.py), the planner (in-place pairs and scratch
sizes as plain numbers), generate.py (which renders the chosen kernel's template).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from aot.core.ir import Graph, Op

Knobs = tuple[tuple[str, object], ...]
PORTABLE = "portable"


def _always(op: Op, g: Graph) -> bool:
    return True


def _no_scratch(op: Op, g: Graph, knobs: dict) -> int:
    return 0


def _nothing(op: Op, g: Graph) -> tuple[int, ...]:
    return ()


def _no_slices(op: Op, g: Graph) -> tuple[int | None, ...]:
    return ()


def _no_flash(op: Op, g: Graph, knobs: dict) -> int:
    return 0


def _default_only(op: Op, g: Graph) -> list[Knobs]:
    return [()]


@dataclass(frozen=True)
class Kernel:
    name: str
    template: str
    lower: Callable[..., dict]
    features: frozenset[str] = frozenset()
    applies: Callable[[Op, Graph], bool] = _always
    scratch: Callable[[Op, Graph, dict], int] = _no_scratch
    overwrites: Callable[[Op, Graph], tuple[int, ...]] = _nothing
    in_place_only: bool = False
    view: bool = False
    slices: Callable[[Op, Graph], tuple[int | None, ...]] = _no_slices
    knobs: Callable[[Op, Graph], list[Knobs]] = _default_only
    runtime: tuple[str, ...] = ()
    flash: Callable[[Op, Graph, dict], int] = _no_flash
    cost_terms: Callable[[Op, Graph, dict], dict[str, float]] | None = None


@dataclass(frozen=True)
class KernelChoice:
    """A kernel of an op, by name, with its knob settings: what tuning records store."""

    name: str = PORTABLE
    knobs: Knobs = ()

    @property
    def key(self) -> str:
        """'dsp', 'dsp:groups=1', ...: how tuning records and progress messages name it."""
        return self.name + "".join(f":{k}={v}" for k, v in self.knobs)

    def knob(self, name: str, default=None):
        return dict(self.knobs).get(name, default)

    @staticmethod
    def parse(key: str) -> "KernelChoice":
        name, *rest = key.split(":")
        knobs = []
        for part in rest:
            k, _, v = part.partition("=")
            knobs.append((k, json.loads(v) if v[:1].isdigit() or v[:1] == "-" else v))
        return KernelChoice(name, tuple(knobs))


def first_input(op: Op, g: Graph) -> tuple[int, ...]:
    """``overwrites`` of a kernel whose output may take its first input's storage: it reads
    element i (or row r) before it writes element i (row r), or its output is that input's
    bytes (``view``)."""
    return (0,)
