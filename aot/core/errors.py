"""Errors shown to users: one clear message, never a traceback."""
from __future__ import annotations


class AotError(Exception):
    """Base class of every error the CLI reports as a one-line message (exit code 2)."""

    exit_code = 2


class ModelError(AotError):
    """The model file is malformed or cannot be read."""


class UnsupportedError(AotError):
    """The model uses operators or features we do not support.

    ``problems`` lists every one of them at once: (location, operator, reason).
    """

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        lines = [f"{loc} {op}: {why}" for loc, op, why in problems]
        super().__init__(f"unsupported model ({len(problems)} problem{'s' if len(problems) != 1 else ''}): " + "; ".join(lines))


class BuildError(AotError):
    """Compiling or linking the generated C failed, or the model does not fit the board."""


class RunError(AotError):
    """Running the model on a board failed."""
