"""Sphinx extension: which of Keras 3's (and TensorFlow's) names Lamina implements, computed at every build.

``.. keras-coverage:: keras`` (or ``tensorflow``) reads the names of the real library from
``docs/_data/keras_names.json`` (written by ``tools/keras_public_names.py`` from Keras 3 and TensorFlow: CI has
neither) and looks each one up in Lamina's matching namespace (``keras.layers.Dense`` ->
``lamina.keras.layers.Dense``; ``tf.nn.relu`` -> ``lamina.nn.relu`` under ``import lamina as tf``). It writes
a summary table, then one section per namespace: every name, its kind, and a link to Lamina's object when
there is one. Nothing is kept by hand: a layer added to Lamina shows up as implemented at the next build.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from lamina_keras_names import DATA, SOURCES, coverage_rst


class KerasCoverage(SphinxDirective):
    required_arguments = 1  # keras | tensorflow

    def run(self) -> list[nodes.Node]:
        source = self.arguments[0]
        if source not in SOURCES:
            raise self.error(f"keras-coverage: expected 'keras' or 'tensorflow', received {source!r}")
        self.env.note_dependency(str(DATA))
        _pages(self.env).add(self.env.docname)
        holder = nodes.Element()
        nested_parse_with_titles(self.state, StringList(coverage_rst(source), source=str(DATA)), holder)
        return holder.children


def _pages(env: Any) -> set[str]:
    if not hasattr(env, "lamina_coverage_pages"):
        env.lamina_coverage_pages = set()
    return env.lamina_coverage_pages


def always_outdated(app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """Pages with a coverage table are re-read at every build: Lamina's side may have changed."""
    return sorted(name for name in _pages(env) if name not in removed)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("keras-coverage", KerasCoverage)
    app.connect("env-get-outdated", always_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
