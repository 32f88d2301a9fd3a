"""Sphinx extension: read Lamina's plain-text formulas in docstrings as text.

Lamina's docstrings write the notes' formulas in plain text, where ``|x|`` is an absolute value and
``||g||`` a norm. In reStructuredText ``|x|`` is a substitution reference, and an undefined one is an error.
This hook escapes every ``|`` outside inline literals, roles, literal blocks and doctest blocks before the
docstring is parsed, so that ``|y - y_hat|`` shows as written. (The project defines no substitutions in
docstrings; everything else a docstring says is parsed as reStructuredText, and ``-W`` fails on errors.)
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

# ``literal``, `role text` or :role:`text`: left as they are.
_QUOTED = re.compile(r"(``.*?``|:[\w:.+-]+:`[^`]*`|`[^`]*`_{0,2})")


def _escape_line(line: str) -> str:
    parts = _QUOTED.split(line)
    return "".join(part if index % 2 else re.sub(r"(?<!\\)\|", r"\\|", part) for index, part in enumerate(parts))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def escape_pipes(lines: list[str]) -> list[str]:
    """The docstring's lines with ``|`` escaped in running text only."""
    result: list[str] = []
    literal_indent: int | None = None  # inside a literal block: the indentation of the paragraph introducing it
    pending_literal: int | None = None  # the last paragraph ended with "::"
    in_doctest = False
    for line in lines:
        stripped = line.strip()
        if literal_indent is not None:
            if not stripped or _indent(line) > literal_indent:
                result.append(line)
                continue
            literal_indent = None
        if in_doctest:
            if stripped:
                result.append(line)
                continue
            in_doctest = False
        if stripped.startswith(">>>"):
            in_doctest = True
            result.append(line)
            continue
        if pending_literal is not None and stripped:
            if _indent(line) > pending_literal:
                literal_indent = pending_literal
                pending_literal = None
                result.append(line)
                continue
            pending_literal = None
        if stripped.endswith("::"):
            pending_literal = _indent(line)
        result.append(_escape_line(line))
    return result


def process_docstring(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    lines[:] = escape_pipes(lines)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    # Before napoleon (priority 500), which turns sections into reST that must not be touched twice.
    app.connect("autodoc-process-docstring", process_docstring, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
