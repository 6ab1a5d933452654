"""Formatting Python values as C99 literals, deterministically."""
from __future__ import annotations

import re

import numpy as np

CTYPES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int32_t", "int64": "int64_t", "float32": "float", "bool": "uint8_t"}


def ctype(dtype: str) -> str:
    return CTYPES[dtype]


def c_float(x: float) -> str:
    """A float32 literal that reads back to the same float32."""
    x = float(np.float32(x))
    if np.isinf(x):
        return "INFINITY" if x > 0 else "(-INFINITY)"
    text = f"{x:.9g}"
    if "e" not in text and "." not in text:
        text += ".0"
    return text + "f"


def c_int(x: int) -> str:
    x = int(x)
    if x == -(2**31):
        return "(-2147483647 - 1)"
    return str(x)


def c_values(values, dtype: str, per_line: int = 16) -> str:
    """Comma-separated literals of an array, wrapped for readability."""
    flat = np.asarray(values).ravel()
    fmt = c_float if dtype == "float32" else c_int
    items = [fmt(v) for v in flat.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return ",\n    ".join(lines) if lines else "0"


def c_ident(name: str) -> str:
    """A C identifier derived from a tensor name (not guaranteed unique: callers add an index)."""
    ident = re.sub(r"[^0-9A-Za-z_]", "_", name).strip("_")[:40]
    return ident if ident and not ident[0].isdigit() else f"t_{ident}"


def c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
