"""Sphinx extension: a formula of the notes beside the code that computes it, and the example that shows it.

::

    .. notes-formula:: lamina.sigmoid lamina.layers.Activation
       :example: s3_activations

       \\sigma(x) = \\frac{1}{1 + e^{-x}}

renders the formula (LaTeX, as in the notes), then, for each object, its name where it is defined with a
``[source]`` link (sphinx.ext.viewcode), a link to its API entry, its file and line, and a link to the
example's gallery page. An object that no
longer exists, or an example that was renamed, is an error (the build runs with ``-W``), so the page cannot
silently point at code that moved.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import lamina_public_api as public

SOURCE_ROOT = Path(__file__).resolve().parents[2] / "src"


def source_location(value: Any) -> tuple[str, str, int, Any]:
    """(module, qualified name, first line, the function or class) of the code that defines ``value``."""
    value = public.unwrap(inspect.unwrap(value) if callable(value) else value)
    if isinstance(value, property):
        value = value.fget
    _, line = inspect.getsourcelines(value)
    return value.__module__, value.__qualname__, line, value


def _signature(value: Any) -> str:
    """Parameter names only: ``(x, alpha)``; the API entry has the full signature."""
    try:
        parameters = inspect.signature(value).parameters.values()
    except (TypeError, ValueError):
        return "()"
    shown = [("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "") + p.name
             for p in parameters if p.name != "self"]
    return f"({', '.join(shown)})"


class NotesFormula(SphinxDirective):
    required_arguments = 1
    optional_arguments = 20
    has_content = True
    option_spec = {"example": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        lines = [".. math::", "", *[f"   {line}" for line in self.content], ""]
        for dotted in self.arguments:
            try:
                module, qualname, line, value = source_location(public.lookup(dotted))
            except (ImportError, AttributeError, TypeError, OSError) as error:
                raise self.error(f"notes-formula: {dotted} is not a Lamina object with source code ({error})")
            path = module.replace(".", "/")
            file = f"src/{path}{'/__init__' if (SOURCE_ROOT / path).is_dir() else ''}.py"
            kind = "class" if inspect.isclass(value) else "method" if "." in qualname else "function"
            # A description of the object where it is defined (not indexed: its API entry is the target), so
            # that sphinx.ext.viewcode adds a [source] link to the highlighted code.
            lines += [f".. py:{kind}:: {qualname}{_signature(value)}", f"   :module: {module}", "   :no-index:",
                      "", f"   :py:obj:`{dotted}`, ``{file}`` line {line}", ""]
        if self.options.get("example"):
            lines += [f"Shown by the example :ref:`sphx_glr_auto_examples_{self.options['example']}.py`.", ""]
        holder = nodes.container(classes=["notes-formula"])
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]), self.content_offset, holder)
        return [holder]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("notes-formula", NotesFormula)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
