"""ONNX comparisons, logic and selection onto the compare, logical and select kinds: Equal, Less,
Greater, LessOrEqual, GreaterOrEqual (bool out), And, Or, Xor (bool not_equal), Not, Where; and
Mod onto binary (fmod=1: fmod; fmod=0, integers only: floor_mod). Operands broadcast (NumPy
rules); constants stay constants."""
from __future__ import annotations

from aot.frontends.onnx_builder import Builder, Unsupported

_COMPARE = {"Equal": "equal", "Less": "less", "Greater": "greater", "LessOrEqual": "less_equal",
            "GreaterOrEqual": "greater_equal"}
_LOGICAL = {"And": "and", "Or": "or", "Not": "not"}


def _operands(b: Builder, node) -> list[str]:
    return [n if b.const(n) is not None else b.value(n) for n in node.input]


def _compare(b: Builder, node, attrs) -> None:
    fn = _COMPARE.get(node.op_type, "not_equal")  # Xor of two bools: they differ
    b.emit("compare", _operands(b, node), [b.value(node.output[0])], fn=fn)


def _logical(b: Builder, node, attrs) -> None:
    b.emit("logical", _operands(b, node), [b.value(node.output[0])], fn=_LOGICAL[node.op_type])


def _where(b: Builder, node, attrs) -> None:
    b.emit("select", _operands(b, node), [b.value(node.output[0])])


def _mod(b: Builder, node, attrs) -> None:
    names = _operands(b, node)
    if not attrs.get("fmod") and b.dtype(names[0]) == "float32":
        raise Unsupported("Mod of float32 needs fmod=1 (as ONNX requires)")
    b.emit("binary", names, [b.value(node.output[0])], fn="fmod" if attrs.get("fmod") else "floor_mod")


LOGIC_CONVERTERS = {
    **{op: (_compare, ()) for op in (*_COMPARE, "Xor")},
    **{op: (_logical, ()) for op in _LOGICAL},
    "Where": (_where, ()), "Mod": (_mod, ("fmod",)),
}
