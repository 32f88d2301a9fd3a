"""Sphinx configuration of Lamina's documentation site.

Build: ``pip install -e ".[docs]" && python -m sphinx -W --keep-going -b html docs docs/_build/html``
(see docs/notes/docs.md). The API pages, the Keras coverage tables and the example gallery are generated
from the code at each build; nothing here lists Lamina's names.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The gallery runs the examples inside this process, so this decides their BLAS threads (NumPy is not loaded yet
# when Sphinx reads this file). Their quick runs multiply small matrices, which one thread does as fast as two; on
# a busy machine OpenBLAS's second thread spins waiting for a core: the s1 example took 1 s with one thread and
# 5-91 s with two on the shared 2-core machine. OPENBLAS_NUM_THREADS=2 in the environment overrides this.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT / "src"))  # this checkout's Lamina, even where another copy is installed

import lamina  # noqa: E402
import lamina_gallery  # noqa: E402

project = "Lamina"
author = "Lamina's authors"
copyright = "Lamina's authors, MIT licence"
release = version = lamina.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "lamina_gallery",
    "matplotlib.sphinxext.plot_directive",
    "lamina_api_pages",
    "lamina_docstrings",
    "lamina_keras_coverage",
    "lamina_link_check",
    "lamina_notes_formula",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
smartquotes = False  # command lines ("--quick") and code-like quotes stay as written
exclude_patterns = ["_build", "notes", "code", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb", "auto_examples/*.py"]
templates_path = ["_templates"]

# Docstrings are Google style (Args:, Returns:, Raises:, Example:).
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autosummary_generate = False  # the pages are written by lamina_api_pages, not by autosummary's stubs

# The performance page's plot (docs/code/benchmark_plot.py), drawn at build time from docs/_data.
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]

myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# The gallery runs examples/*.py in quick mode (LAMINA_DOCS_FULL=1 runs them in full); their plots are the PNG
# files they save into $LAMINA_OUTPUT, set here to a folder of the build.
QUICK = os.environ.get("LAMINA_DOCS_FULL", "").strip().lower() not in ("1", "true", "yes")
sphinx_gallery_conf = lamina_gallery.gallery_conf(ROOT, DOCS, quick=QUICK)

html_theme = "pydata_sphinx_theme"
html_title = f"Lamina {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
}
html_static_path: list[str] = []
