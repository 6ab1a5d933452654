"""Names shortened for tables and comments."""
from __future__ import annotations


def short(name: str, width: int = 48) -> str:
    """A long TFLite tensor name cut in the middle to fit a table column."""
    if len(name) <= width:
        return name
    keep = (width - 3) // 2
    return name[:keep] + "..." + name[-(width - 3 - keep):]
