"""Lowering of a Graph and its memory Plan to C99 through the Jinja2 templates in templates/."""
from codegen_c.generate import GeneratedModel, generate  # noqa: F401
