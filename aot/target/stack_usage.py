"""Worst-case stack bound of a firmware from GCC's per-function stack usage.

Every object is compiled with ``-fstack-usage -fcallgraph-info=su``: GCC writes ``<obj>.su``
(bytes per function, static/dynamic/bounded) and ``<obj>.ci`` (the direct call graph, with
indirect calls pointing at a placeholder node). The bound is the deepest call path from the
entry points, each function counted with its own frame:

- A call through a pointer (the runtime calls the model's ``run``) may reach any function
  that nothing calls directly, so such a call counts the deepest of those.
- Library functions we did not compile (newlib's memcpy, libgcc's helpers) have no frame
  size and count as 0; they are listed in ``uncounted`` (their frames are small leaves).
- Recursion or a dynamic frame (alloca, VLA) makes the bound unknown: ``complete`` is False
  and ``bytes`` is the deepest path found while skipping the cycle.

Without .ci files (another compiler) the bound falls back to the largest single frame, which
is a lower bound only; ``complete`` says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_NODE = re.compile(r'node: \{ title: "([^"]+)" label: "[^"]*?\\n(\d+) bytes \((\w+(?:,\w+)*)\)"')
_NODE_ANY = re.compile(r'node: \{ title: "([^"]+)"')
_EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
_INDIRECT = "__indirect_call"
ENTRY_POINTS = ("Reset_Handler", "main")


@dataclass
class StackBound:
    bytes: int
    path: list[str] = field(default_factory=list)  # the deepest call chain, outermost first
    complete: bool = True
    notes: list[str] = field(default_factory=list)
    uncounted: list[str] = field(default_factory=list)  # called library functions, frame unknown

    def describe(self) -> str:
        names = [fn.rsplit("/", 1)[-1] for fn in self.path]  # "dir/file.c:static_fn" -> "file.c:static_fn"
        text = f"{self.bytes} bytes ({' > '.join(names) or 'no functions'})"
        return text if self.complete else text + "; not a safe bound: " + "; ".join(self.notes)


def _read_su(files: list[Path]) -> dict[str, tuple[int, str]]:
    frames: dict[str, tuple[int, str]] = {}
    for f in files:
        for line in f.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                name = parts[0].rsplit(":", 1)[-1]
                frames[name] = (max(int(parts[1]), frames.get(name, (0, ""))[0]), parts[2])
    return frames


def stack_bound(obj_dir: Path) -> StackBound:
    """The stack bound of the objects under obj_dir (searched recursively)."""
    ci_files = sorted(Path(obj_dir).rglob("*.ci"))
    su_files = sorted(Path(obj_dir).rglob("*.su"))
    frames = _read_su(su_files)
    if not ci_files:
        if not frames:
            return StackBound(0, [], False, ["no stack usage files"])
        name = max(frames, key=lambda n: frames[n][0])
        return StackBound(frames[name][0], [name], False, ["no call graph: largest single frame only"])

    calls: dict[str, set[str]] = {}
    defined: dict[str, tuple[int, str]] = {}
    for f in ci_files:
        text = f.read_text()
        for title, size, qual in _NODE.findall(text):
            old = defined.get(title, (0, "static"))
            defined[title] = (max(int(size), old[0]), qual)
        for title in _NODE_ANY.findall(text):
            calls.setdefault(title, set())
        for src, dst in _EDGE.findall(text):
            calls.setdefault(src, set()).add(dst)

    called = {dst for dsts in calls.values() for dst in dsts}
    indirect_targets = [n for n in defined if n not in called and n not in ENTRY_POINTS]
    notes: set[str] = set()
    uncounted: set[str] = set()
    memo: dict[str, tuple[int, list[str]]] = {}

    def worst(fn: str, active: frozenset[str]) -> tuple[int, list[str]]:
        if fn in memo:
            return memo[fn]
        if fn in active:
            notes.add(f"recursion through {fn}")
            return 0, []
        if fn not in defined:
            if fn != _INDIRECT:
                uncounted.add(fn)
            return 0, []
        own, qual = defined[fn]
        if "dynamic" in qual and "bounded" not in qual:
            notes.add(f"{fn} has a dynamic frame")
        best: tuple[int, list[str]] = (0, [])
        active = active | {fn}
        for callee in sorted(calls.get(fn, ())):
            targets = indirect_targets if callee == _INDIRECT else [callee]
            for t in targets:
                if t in active:
                    notes.add(f"recursion through {t}")
                    continue
                depth, path = worst(t, active)
                if depth > best[0] or not best[1]:
                    best = (depth, path)
        result = (own + best[0], [fn] + best[1])
        memo[fn] = result
        return result

    entries = [e for e in ENTRY_POINTS if e in defined] or indirect_targets
    best: tuple[int, list[str]] = (0, [])
    for entry in entries:
        candidate = worst(entry, frozenset())
        if candidate[0] > best[0]:
            best = candidate
    return StackBound(best[0], best[1], not notes, sorted(notes), sorted(uncounted))
