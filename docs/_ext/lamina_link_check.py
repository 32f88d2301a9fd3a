"""Sphinx extension: after an HTML build, every link inside the site leads to a page and an anchor that exist.

Sphinx checks its own cross-references, but not links it writes without resolving (a ``[source]`` link to a
viewcode page that was not generated, a hand-written ``page.html#anchor``). This pass reads every page of the
output, collects its ``id``s, and warns about each relative link whose file or ``#anchor`` is missing, so that
``sphinx-build -W`` fails on it. External links (``https://...``) are not followed (the build runs offline).

Links *from* the highlighted-source pages (``_modules/``) are not checked: their "[docs]" backlinks assume
that each source module is documented under one module name, while Lamina documents a module's functions
where users find them (``lamina.math.abs``, ``lamina.add``), so some of those backlinks miss (a known limit of
sphinx.ext.viewcode). Links *into* them (every ``[source]``) are checked.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])


def broken_links(outdir: Path) -> list[tuple[Path, str]]:
    """(page, link) for each relative link of the site whose target file or anchor does not exist."""
    pages: dict[Path, _Page] = {}
    for path in sorted(outdir.rglob("*.html")):
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        pages[path.resolve()] = parser
    broken = []
    for path, page in pages.items():
        if "_modules" in path.relative_to(outdir.resolve()).parts:
            continue
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("mailto:"):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append((path, link))
            elif parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].ids:
                broken.append((path, link))
    return broken


def check_links(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page, link in broken_links(outdir):
        logger.warning("broken link %r in %s", link, page.relative_to(outdir.resolve()),
                       type="lamina", subtype="link")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("build-finished", check_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
