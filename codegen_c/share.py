"""One function for ops whose generated code differs only in the constant arrays it reads.

Each op's kernel template renders a function of its own, its shapes, offsets and quantisation
constants baked in. Ops of the same shape, placement and constants (e.g. the repeated
depthwise blocks of a MobileNet) render the same text but for their name and the names of
their weight arrays: their code is emitted once, as a function that takes those arrays as
parameters, and each op's function calls it with its own. The comparison is of the rendered
text, so sharing never changes what any op computes; it only saves flash (one op's code per
group instead of one per op) for one call per op per inference. A ``static const`` local whose
initialiser names the arrays (a kernel's record of pointers and constants) becomes an automatic
``const`` local of the shared function (the compiler still folds its constant fields); a
function with any other static local naming them is left apart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
_HEAD = re.compile(r"\s*(AOT_OP|static void) ")  # how a kernel template opens its function
_STATIC = re.compile(r"\bstatic\b")


def _unstatic(body: str) -> str | None:
    """``body`` (arrays as placeholders @c0, ...) with its ``static const`` locals that name an
    array made automatic (a static initialiser may not name a parameter); None if a static
    local that is not const names one."""
    out, pos = [], 0
    for m in _STATIC.finditer(body):
        if m.start() < pos:
            continue
        depth, end = 0, m.end()
        while end < len(body) and not (body[end] == ";" and depth == 0):
            depth += {"{": 1, "}": -1}.get(body[end], 0)
            end += 1
        statement = body[m.start():end]
        if "@c" in statement:
            if not re.match(r"static\s+const\b", statement):
                return None
            out.append(body[pos:m.start()])
            pos = m.end() + 1  # drop "static "
        out.append(body[pos:end])
        pos = end
    return "".join(out) + body[pos:]


@dataclass(frozen=True)
class Rendered:
    """One op's function as its template rendered it: its name, its text (the definition
    ``<static ...> fn(uint8_t *arena) { ... }``) and the constant arrays it names, in order of
    first use."""

    fn: str
    text: str
    arrays: tuple[str, ...]


def render_key(fn: str, text: str, arrays: dict[str, str]) -> Rendered:
    """The Rendered of ``text``: the identifiers it uses that are constant arrays (``arrays``:
    {C name: element type})."""
    used = tuple(dict.fromkeys(m.group(0) for m in _IDENT.finditer(text) if m.group(0) in arrays))
    return Rendered(fn, text, used)


def _template(r: Rendered) -> str:
    """``r``'s text with its name and its arrays as placeholders: equal for ops that may share."""
    names = {r.fn: "@fn", **{a: f"@c{i}" for i, a in enumerate(r.arrays)}}
    return _IDENT.sub(lambda m: names.get(m.group(0), m.group(0)), r.text)


def share(rendered: list[Rendered], arrays: dict[str, str]) -> list[str]:
    """The C of every op's function, in op order: ``rendered[i].text`` where no other op renders
    the same code; otherwise the group's first op is preceded by one shared function
    (``<first fn>_shared``, the arrays as ``const <type> *`` parameters aot_c0, aot_c1, ...) and every
    op of the group is a call of it with its own arrays."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rendered):
        groups.setdefault(_template(r), []).append(i)
    out = [r.text for r in rendered]
    for text, members in groups.items():
        if len(members) < 2:
            continue
        first = rendered[members[0]]
        shared = f"{first.fn}_shared"
        params = "".join(f", const {arrays[a]} *aot_c{i}" for i, a in enumerate(first.arrays))
        head, sep, body = text.partition("@fn(uint8_t *arena)")
        body = _unstatic(body) if sep and _HEAD.fullmatch(head) else None
        if body is None:
            continue  # not the form kernel templates write, or an array in a mutable static: apart
        body = re.sub(r"@c(\d+)\b", r"aot_c\1", body)
        out[members[0]] = f"{head}{shared}(uint8_t *arena{params}){body}"
        for i in members:
            r = rendered[i]
            call = f"{shared}(arena{''.join(', ' + a for a in r.arrays)});"
            wrapper = f"{head}{r.fn}(uint8_t *arena)\n{{\n    {call}  /* the code of {first.fn} */\n}}\n"
            out[i] = (out[i] + "\n" + wrapper) if i == members[0] else wrapper
    return out
