"""One lowering module per operator kind: ``lower(index, op, ctx) -> dict`` of template variables
for ``templates/ops/<kind>.c.j2``; every constant is computed here, at compile time."""
from __future__ import annotations

import importlib
from types import ModuleType


def get(kind: str) -> ModuleType:
    return importlib.import_module(f"codegen_c.ops.{kind}")
