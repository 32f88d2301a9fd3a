"""Sphinx extension: the example gallery from ``examples/*.py``, run by sphinx-gallery in quick mode.

Each example prints its claims and saves its plots as PNG files into ``$LAMINA_OUTPUT`` through
``lamina.plot`` (matplotlib's object API, outside pyplot, so sphinx-gallery's matplotlib scraper sees
nothing). ``SavedPngScraper`` collects the PNGs an example wrote and puts them on its page. Three more things
make plain scripts into gallery pages without changing them:

- sphinx-gallery runs an example with ``__doc__ = ""``; the examples read their description from their
  docstring, so the runner gives them the real one.
- ``python examples/x.py`` ends with ``sys.exit(status)``. sphinx-gallery catches ``Exception`` only, so a
  ``SystemExit`` would stop Sphinx (with status 0 when the claims hold, leaving a half-built site). The guard
  turns exit status 0 into a normal end and any other status into an error on the example's page, which fails
  the build.
- The docstring's first sentence, up to its colon, becomes the page title (sphinx-gallery wants a reST
  heading; the examples start with a sentence), and ``|`` in the docstring is text, as in the API pages.
- Options come from ``reset_argv`` (``--quick``), and sphinx-gallery's own cache (the ``.md5`` beside each
  generated page) skips examples that did not change since the last build.
- In quick mode the examples that train on images get ``--dataset digits`` (the packaged 8x8 digits, as
  tests/test_examples.py pins them): the quick build then shows the same pages and takes the same half minute
  on every machine, with or without ``$LAMINA_DATA``. Quick mode on MNIST is slow for some examples (s10: 2.7
  minutes) and is not what the tests check. ``LAMINA_DOCS_FULL=1`` runs them in full on MNIST where a local
  copy exists.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

GALLERY_DIR = "auto_examples"


class SavedPngScraper:
    """Image scraper: the PNG files written into ``folder`` since the last call, oldest first."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.seen: dict[Path, int] = {}

    def __repr__(self) -> str:  # sphinx-gallery keys its cache on the configuration's repr
        return "SavedPngScraper()"

    def __call__(self, block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:
        from sphinx_gallery.scrapers import figure_rst

        if not self.folder.is_dir():
            return ""
        fresh = [(png.stat().st_mtime_ns, png) for png in self.folder.rglob("*.png")
                 if self.seen.get(png) != png.stat().st_mtime_ns]
        targets, titles = [], []
        for (mtime, png), target in zip(sorted(fresh), block_vars["image_path_iterator"]):
            shutil.copyfile(png, target)
            self.seen[png] = mtime
            targets.append(target)
            titles.append(png.stem.replace("_", " "))
        return figure_rst(targets, gallery_conf["src_dir"], fig_titles=", ".join(titles)) if targets else ""


def _run_like_a_script() -> None:
    """Patch sphinx-gallery's runner so that an example runs as ``python example.py`` would: with its
    docstring as ``__doc__`` (sphinx-gallery sets it to ""; the examples take their description from it), and
    with ``sys.exit`` ending the example instead of Sphinx."""
    from sphinx_gallery import gen_rst

    runner = getattr(gen_rst, "_exec_once", None)
    if runner is None or not hasattr(runner, "__call__") or getattr(runner, "_lamina_patched", False):
        if runner is None:
            raise ExtensionError("lamina_gallery: sphinx-gallery changed (no gen_rst._exec_once); check the pin "
                                 "in pyproject.toml's docs extra and docs/_ext/lamina_gallery.py")
        return
    original = runner.__call__

    def call(self: Any) -> None:
        namespace = self.fake_main.__dict__
        if not namespace.get("__doc__"):
            source = Path(self.code.co_filename).read_text(encoding="utf-8")
            namespace["__doc__"] = ast.get_docstring(ast.parse(source), clean=False)
        try:
            original(self)
        except SystemExit as stop:
            if stop.code not in (None, 0):
                raise RuntimeError(f"the example exited with status {stop.code} (a claim failed?)") from None

    runner.__call__ = call
    runner._lamina_patched = True


def remove_stale_pages(gallery: Path, examples: Path) -> None:
    """Delete what sphinx-gallery generated for examples that no longer exist (it keeps them, and a page in no
    table of contents is a warning)."""
    if not gallery.is_dir():
        return
    for generated in gallery.iterdir():
        stem = generated.name.split(".", 1)[0]
        if generated.is_file() and stem not in ("index", "sg_execution_times") \
                and not (examples / f"{stem}.py").exists():
            generated.unlink()


def gallery_conf(root: Path, docs: Path, quick: bool) -> dict[str, Any]:
    """sphinx-gallery's settings: every ``examples/*.py`` but ``_*.py``, run with ``--quick`` when asked; the
    examples' plots go to ``docs/_build/lamina-output``."""
    remove_stale_pages(docs / GALLERY_DIR, root / "examples")
    output = docs / "_build" / "lamina-output"
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    # Relative to examples/ (where sphinx-gallery runs each example), so that the pages show no build path.
    os.environ["LAMINA_OUTPUT"] = os.path.relpath(output, root / "examples")
    if quick:
        os.environ["LAMINA_QUICK"] = "1"
    arguments = ["--quick"] if quick else []
    pinned = ["--dataset", "digits"] if quick else []
    return {
        "examples_dirs": str(root / "examples"),
        "gallery_dirs": GALLERY_DIR,
        "filename_pattern": r".*",  # run every example
        "ignore_pattern": r"^_|__init__\.py$",  # _common.py is a helper, not an example
        "image_scrapers": (SavedPngScraper(output),),
        "reset_argv": _Arguments(arguments, pinned),
        # The cache (an .md5 per example) does not know the mode: a full build reruns every example.
        "run_stale_examples": not quick,
        "within_subsection_order": "FileNameSortKey",
        "download_all_examples": False,
        "remove_config_comments": True,
        "capture_repr": (),
        "min_reported_time": 1,
        "show_memory": False,
        "show_signature": False,
    }


class _Arguments:
    """sys.argv[1:] for every example, plus ``dataset`` for the examples that take ``--dataset`` (a class, so that
    the configuration has a stable repr for caching)."""

    def __init__(self, arguments: list[str], dataset: list[str]) -> None:
        self.arguments = list(arguments)
        self.dataset = list(dataset)

    def __repr__(self) -> str:
        return f"_Arguments({self.arguments!r}, {self.dataset!r})"

    def __call__(self, gallery_conf: dict[str, Any], script_vars: dict[str, Any]) -> list[str]:
        source = Path(script_vars["src_file"]).read_text(encoding="utf-8")
        takes_dataset = "add_dataset_argument" in source  # examples/_common.py's --dataset option
        return list(self.arguments) + (list(self.dataset) if takes_dataset else [])


_LABEL = re.compile(r"^\.\. _sphx_glr_[^\n]*:\n\n", re.MULTILINE)
_CODE_START = ".. GENERATED FROM PYTHON SOURCE LINES"


def example_page_text(text: str) -> str:
    """An example page's reST with a title (the docstring's first paragraph up to its first colon) and its
    docstring's ``|`` read as text (the examples write ``|x|`` for an absolute value)."""
    from lamina_docstrings import escape_pipes

    match = _LABEL.search(text)
    if match is None:
        return text
    start = match.end()
    code = text.find(_CODE_START, start)
    code = len(text) if code < 0 else code
    intro = "\n".join(escape_pipes(text[start:code].split("\n")))
    first = intro.split("\n\n", 1)[0].splitlines()
    if len(first) >= 2 and re.fullmatch(r"([=\-~^\"'`#*+])\1{2,}", first[1].strip()):
        return text[:start] + intro + text[code:]  # it has a heading already
    sentence = " ".join(line.strip() for line in first)
    title = sentence.split(": ", 1)[0] if ": " in sentence[:90] else sentence
    return text[:start] + f"{title}\n{'=' * len(title)}\n\n" + intro + text[code:]


def title_from_first_line(app: Sphinx, docname: str, source: list[str]) -> None:
    """source-read, for the pages made from examples (not the gallery's index or timing pages)."""
    folder, _, name = docname.partition("/")
    if folder == GALLERY_DIR and (Path(app.srcdir) / GALLERY_DIR / f"{name}.py").exists():
        source[0] = example_page_text(source[0])


def setup(app: Sphinx) -> dict[str, Any]:
    _run_like_a_script()
    app.connect("source-read", title_from_first_line)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
