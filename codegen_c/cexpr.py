"""Integer C expressions folded while the kernel templates render, and the layout of the C.

``Affine`` is a sum of (coefficient x index) plus a constant, where an index is C text (a loop
variable, a local) with a known range or none. Templates do their index arithmetic on it with
+, - and *, so that ``oy * 1 - 1 + ky * 1`` prints as ``oy + ky - 1``; an index of a loop of
one iteration is the constant 0 (``index``), and the bounds checks that cannot fail are left
out (``in_range``). ``c_layout`` re-indents a rendered kernel by its braces. Registered in the
Jinja environment by codegen_c/generate.py (``FILTERS``, ``GLOBALS``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

Range = tuple[int, int] | None   # inclusive bounds of an index; None: unknown


@dataclass(frozen=True)
class Affine:
    terms: tuple[tuple[str, int], ...] = ()     # (index text, coefficient != 0), in first-use order
    const: int = 0
    ranges: dict[str, Range] = field(default_factory=dict, compare=False, hash=False)

    # ---- arithmetic -----------------------------------------------------------------------

    def __add__(self, other: Affine | int) -> Affine:
        other = _affine(other)
        coefs = dict(self.terms)
        for name, c in other.terms:
            coefs[name] = coefs.get(name, 0) + c
        return Affine(tuple((n, c) for n, c in coefs.items() if c), self.const + other.const,
                      {**self.ranges, **other.ranges})

    __radd__ = __add__

    def __neg__(self) -> Affine:
        return self * -1

    def __sub__(self, other: Affine | int) -> Affine:
        return self + -_affine(other)

    def __rsub__(self, other: int) -> Affine:
        return _affine(other) - self

    def __mul__(self, k: int) -> Affine:
        k = int(k)
        return Affine(tuple((n, c * k) for n, c in self.terms if c * k), self.const * k, self.ranges)

    __rmul__ = __mul__

    def __floordiv__(self, d: int) -> Affine:
        """C's ``/`` by a positive constant (the floor for the non-negative indices it is used on)."""
        if not self.terms:
            return Affine((), self.const // d)
        if d == 1:
            return self
        lo, hi = self.lo, self.hi
        rng = (lo // d, hi // d) if lo is not None and hi is not None and lo >= 0 else None
        if rng is not None and rng[0] == rng[1]:
            return Affine((), rng[0])
        text = f"{self} / {d}" if self.is_index else f"({self}) / {d}"
        return value(text, rng)

    def bind(self, indices: list[Affine]) -> Affine:
        """An expression in the N-D indices i0, i1, ... (codegen_c/nd.py) with the indices of
        the template's loops in their place (the constant 0 for an axis of one element)."""
        by_name = {nd_index(d): ix for d, ix in enumerate(indices)}
        return sum((by_name[name] * c for name, c in self.terms), Affine((), self.const))

    def __mod__(self, k: int) -> Affine:
        """C's ``%`` by a positive constant, of a non-negative value."""
        if not self.terms:
            return Affine((), self.const % k)
        lo, hi = self.lo, self.hi
        if k == 1:
            return Affine((), 0)
        if lo is not None and hi is not None and 0 <= lo and hi < k:
            return self
        return value(f"{self} % {k}" if self.is_index else f"({self}) % {k}", (0, k - 1))

    # ---- what it is -----------------------------------------------------------------------

    @property
    def is_const(self) -> bool:
        return not self.terms

    @property
    def is_index(self) -> bool:
        """One index with coefficient 1: a name, no arithmetic."""
        return len(self.terms) == 1 and self.terms[0][1] == 1 and self.const == 0

    def _bound(self, pick) -> int | None:
        total = self.const
        for name, c in self.terms:
            r = self.ranges.get(name)
            if r is None:
                return None
            total += pick(c * r[0], c * r[1])
        return total

    @property
    def lo(self) -> int | None:
        return self._bound(min)

    @property
    def hi(self) -> int | None:
        return self._bound(max)

    def __str__(self) -> str:
        return _render(list(self.terms), self.const)


def _render(terms: list[tuple[str, int]], const: int) -> str:
    """Row-major index arithmetic as one writes it, nested where terms share a stride:
    ``(iy * 96 + ix) * 3``, ``((oc * 3 + ky) * 3 + kx) * 3``, ``(oy * 24 + ox) * 32 + oc``
    (compilers also optimise this form best); the constant with the outer terms, ``oy * 2 - 1
    + ky``, which C groups as (oy * 2 - 1) + ky, an invariant of the inner loop; "49 - y0"
    rather than "-y0 + 49"."""
    if not terms:
        return str(const)
    step = min(abs(c) for _, c in terms)
    if step > 1 and len(terms) > 1 and all(c % step == 0 for _, c in terms):
        inner = _render([(n, c // step) for n, c in terms], const // step if const % step == 0 else 0)
        return _join([(f"({inner}) * {step}", False)] + ([] if const % step == 0 else [_number(const)]))
    inner = [t for t in terms if abs(t[1]) == step]
    outer = [t for t in terms if abs(t[1]) != step]
    if outer and len(terms) > 1:
        return _join([(_render(outer, const), False)] + [(_term(n, abs(c)), c < 0) for n, c in inner])
    items = [(_term(n, abs(c)), c < 0) for n, c in terms]
    if const:
        items.insert(0 if items[0][1] and const > 0 else 1, _number(const))
    return _join(items)


def _number(k: int) -> tuple[str, bool]:
    return str(abs(k)), k < 0


def _join(items: list[tuple[str, bool]]) -> str:
    """``a + b - c`` of (text, negative) pairs."""
    text = ("-" if items[0][1] else "") + items[0][0]
    return text + "".join((" - " if negative else " + ") + t for t, negative in items[1:])


def _term(name: str, k: int) -> str:
    """``name * k`` (k > 0), the name in parentheses if it is an expression."""
    if k == 1:
        return name
    return f"({name}) * {k}" if " " in name else f"{name} * {k}"


def nd_index(axis: int) -> str:
    """The name of the index of N-D loop ``axis`` (codegen_c/nd.py, templates/ops/nd.j2)."""
    return f"i{axis}"


def _affine(x: Affine | int) -> Affine:
    return x if isinstance(x, Affine) else Affine((), int(x))


def value(text: str, rng: tuple[int | None, int | None] | None = None) -> Affine:
    """A C integer (a local, a parameter) with inclusive range ``rng`` if both bounds are known."""
    known = rng is not None and None not in rng
    return Affine(((text, 1),), 0, {text: (int(rng[0]), int(rng[1])) if known else None})


def constant(k: int) -> Affine:
    return Affine((), int(k))


def index(name: str, extent: int) -> Affine:
    """The index of a loop over ``range(extent)``: the constant 0 when it has one iteration
    (the template then writes no loop); no range when it has none (an empty tensor)."""
    return Affine((), 0) if extent == 1 else value(name, (0, extent - 1) if extent else None)


def indices(*dims: tuple[str, int]) -> list[Affine]:
    """``index`` of each (name, extent)."""
    return [index(name, n) for name, n in dims]


def axes(shape: list[int]) -> list[tuple[str, int]]:
    """(name, extent) of the N-D loops over ``shape``: i0, i1, ... (codegen_c/nd.py)."""
    return [(nd_index(d), n) for d, n in enumerate(shape)]


def plus(e: Affine | int) -> str:
    """`` + e`` to follow a pointer or a sum; "" when e is 0. An offset of several terms is
    parenthesised, ``x + (iy * 10 + ix)``: one pointer addition of an integer, which compilers
    optimise better than a chain of pointer additions."""
    text = str(_affine(e))
    if text == "0":
        return ""
    if _is_sum(text):
        return f" + ({text})"
    return f" - {text[1:]}" if text.startswith("-") else f" + {text}"


def _is_sum(text: str) -> bool:
    """Whether C text has a + or - outside parentheses (after its first character)."""
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i > 0 and ch in "+-" and text[i - 1] == " ":
            return True
    return False


def _may_leave(e: Affine, n: int) -> tuple[bool, bool]:
    """Whether e may be below 0, and whether it may be n or more."""
    return e.lo is None or e.lo < 0, e.hi is None or e.hi >= n


def in_range(e: Affine, n: int, name: str | None = None) -> str:
    """The C condition ``0 <= e < n`` (``e`` written as ``name`` if given), without the halves
    that the range of ``e`` already guarantees: "" when both are."""
    text = name or str(e)
    below, above = _may_leave(e, n)
    return " && ".join(c for c, needed in ((f"{text} >= 0", below), (f"{text} < {n}", above)) if needed)


def out_of_range(e: Affine, n: int, name: str | None = None) -> str:
    """The C condition ``e < 0 || e >= n``, without the halves that cannot hold: "" if none can."""
    text = name or str(e)
    below, above = _may_leave(e, n)
    return " || ".join(c for c, possible in ((f"{text} < 0", below), (f"{text} >= {n}", above)) if possible)


def product(a: Affine, b: Affine) -> str:
    """C text of a * b, folded where either is a constant."""
    if a.is_const and b.is_const:
        return str(a.const * b.const)
    if a.is_const or b.is_const:
        k, e = (a.const, b) if a.is_const else (b.const, a)
        return str(e * k)
    return " * ".join(str(f) if f.is_index else f"({f})" for f in (a, b))


def if_chain(*cases: tuple[str | bool, str]) -> str:
    """``if (c1) { b1 } else if (c2) { b2 } ... else { bn }`` of (condition, C body) pairs. A
    condition is C text, True (always holds: its body is the ``else``, or stands alone, and
    ends the chain) or "" / False (never holds: the case is left out)."""
    lines: list[str] = []
    for cond, body in cases:
        if cond is True:
            lines += ["} else {", body, "}"] if lines else [body]
            return "\n".join(lines)
        if cond:
            lines += [f"{'} else if' if lines else 'if'} ({cond}) {{", body]
    return "\n".join([*lines, "}"]) if lines else ""


def clipped(name: str, e: Affine, n: int) -> Affine:
    """The local ``name`` holding ``e`` once checked to lie in [0, n)."""
    lo, hi = e.lo, e.hi
    return value(name, (max(lo, 0) if lo is not None else 0, min(hi, n - 1) if hi is not None else n - 1))


# ---- layout ---------------------------------------------------------------------------------

INDENT = "    "


def c_layout(text: str) -> str:
    """Re-indent C by its braces: 4 spaces per open block, continuation lines aligned after the
    open parenthesis they continue, lines inside block comments one space in (``*``), and
    preprocessor lines at column 0; blank lines only between top-level items, one at a time.
    Only whitespace changes."""
    out: list[str] = []
    depth, parens, in_comment = 0, [], False
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            if not in_comment and depth == 0 and out and out[-1]:
                out.append("")   # one blank line between top-level items, none inside a function
            continue
        if in_comment:
            indent = INDENT * depth + " " if line.startswith("*") else raw[:len(raw) - len(raw.lstrip())]
        elif line.startswith("#"):
            indent = ""
        elif parens:
            indent = " " * (parens[-1] + 1)
        else:
            closers = len(line) - len(line.lstrip("}"))
            indent = INDENT * max(depth - closers, 0)
        new = indent + line
        out.append(new)
        if line.startswith("#") and not in_comment:
            continue
        depth, in_comment = _scan(new, len(indent), depth, parens, in_comment)
    return "\n".join(out)


def _scan(line: str, start: int, depth: int, parens: list[int], in_comment: bool) -> tuple[int, bool]:
    """Braces and parentheses of one line (outside comments, strings and character constants):
    the new block depth; ``parens`` holds the columns of the open parentheses."""
    i, quote = start, ""
    while i < len(line):
        ch, pair = line[i], line[i:i + 2]
        if in_comment:
            if pair == "*/":
                in_comment, i = False, i + 1
        elif quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif pair == "/*":
            in_comment, i = True, i + 1
        elif pair == "//":
            break
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            parens.append(i)
        elif ch in ")]" and parens:
            parens.pop()
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        i += 1
    return depth, in_comment


FILTERS = {"c_layout": c_layout, "plus": plus}
GLOBALS = {"constant": constant, "index": index, "indices": indices, "axes": axes, "value": value,
           "in_range": in_range, "out_of_range": out_of_range, "clipped": clipped, "product": product,
           "if_chain": if_chain}
