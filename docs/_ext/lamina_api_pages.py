"""Sphinx extension: the API reference, written from the code at every build.

At ``builder-inited`` it walks Lamina's public API (``lamina_public_api``) and writes one page per namespace
into ``docs/api/`` (a generated folder, not kept in git): the module's docstring, an ``autosummary`` table of
every public name, and an autodoc entry (``autoclass`` / ``autofunction`` / ``autodata``) for each object whose
home is that namespace. A new module, layer or function appears with no edit here.

It also resolves cross-references to any public path of an object (``lamina.keras.layers.Dense``,
``losses.mse``) to the object's home entry, and turns an explicit reference (``:func:`...``` in a docstring or
page) that resolves to nothing into a warning, so that ``sphinx-build -W`` fails on a broken link inside
Lamina. References to other libraries (``numpy.ndarray``) and type annotations are left alone.
"""

from __future__ import annotations

import builtins
import importlib.util
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

import lamina_public_api as public
from lamina_api_rst import index_page, namespace_page

logger = logging.getLogger(__name__)
API_FOLDER = "api"


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_pages(app: Sphinx) -> None:
    spaces = public.namespaces()
    home = public.homes(spaces)
    folder = Path(app.srcdir) / API_FOLDER
    folder.mkdir(exist_ok=True)
    wanted = {"index.rst": index_page(spaces)}
    wanted.update({f"{space.name}.rst": namespace_page(space, home) for space in spaces})
    for stale in folder.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        _write_if_changed(folder / name, text)
    app.env.lamina_homes = home  # type: ignore[attr-defined]


# --- cross-references --------------------------------------------------------------------------------------------


def _import(dotted: str) -> tuple[bool, Any]:
    try:
        return True, public.lookup(dotted)
    except Exception:  # noqa: BLE001 - no such object (or a module failing to import): not ours to report here
        return False, None


def _candidates(node: Any) -> list[str]:
    target = node["reftarget"].lstrip("~.")
    module, cls = node.get("py:module"), node.get("py:class")
    names = [target]
    if module and cls:
        names.append(f"{module}.{cls}.{target}")
    if module:
        names.append(f"{module}.{target}")
    return names


def _is_identifier(target: str) -> bool:
    return all(part.isidentifier() for part in target.lstrip("~.").split("."))


def _is_foreign(target: str) -> bool:
    first = target.lstrip("~.").split(".")[0]
    if first == "lamina":
        return False
    if hasattr(builtins, first):
        return True
    try:
        return importlib.util.find_spec(first) is not None
    except (ImportError, ValueError):
        return False


def resolve_reference(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """missing-reference: any public path of a Lamina object links to its home entry."""
    if node.get("refdomain") != "py":
        return None
    homes = getattr(env, "lamina_homes", {})
    domain = env.get_domain("py")
    for name in _candidates(node):
        found, value = _import(name)
        if not found or not public.is_documentable(value):
            continue
        target = homes.get(id(public.unwrap(value)))
        if target is None:
            continue
        resolved = domain.resolve_xref(env, node["refdoc"], app.builder, "obj", target, node, contnode)
        if resolved is not None:
            return resolved
    # Warn for a role in a docstring or page (type annotations carry no "refexplicit") naming something that
    # does not exist. Not for names that exist but are not public (a private base class shown by
    # show-inheritance, a module constant), nor for napoleon reading prose as a type ("Returns: All variables").
    target = node["reftarget"]
    explicit = "refexplicit" in node
    exists = any(_import(name)[0] for name in _candidates(node))
    if explicit and _is_identifier(target) and not exists and not _is_foreign(target):
        logger.warning("broken cross-reference to %r (no such public name in Lamina)", node["reftarget"],
                       location=node, type="lamina", subtype="xref")
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.autosummary")
    app.connect("builder-inited", write_pages)
    app.connect("missing-reference", resolve_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
