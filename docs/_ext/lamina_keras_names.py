"""Which of Keras 3's (and TensorFlow's) names Lamina implements: the data and reST behind the coverage tables.

The names of the real libraries are read from ``docs/_data/keras_names.json`` (written by
``tools/keras_public_names.py`` with Keras and TensorFlow installed); each is looked up in Lamina's matching
namespace (``keras.layers.Dense`` -> ``lamina.keras.layers.Dense``; ``tf.nn.relu`` -> ``lamina.nn.relu``).
No Sphinx needed: ``lamina_keras_coverage`` renders it, the tests read it.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "_data" / "keras_names.json"
_PREFIX = {"keras": ("keras", "lamina.keras"), "tensorflow": ("tf", "lamina")}
SOURCES = tuple(_PREFIX)


def load_names() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def lamina_module(path: str, source: str) -> Any:
    """Lamina's namespace for Keras's (or TensorFlow's) dotted ``path``, or None when Lamina has none."""
    theirs, ours = _PREFIX[source]
    parts = (ours + path[len(theirs):]).split(".")
    try:
        value = importlib.import_module(parts[0])
        for part in parts[1:]:
            value = getattr(value, part)  # attributes only: a submodule file Lamina does not export is not there
    except (ImportError, AttributeError):
        return None
    return value


def has_name(module: Any, name: str) -> bool:
    try:
        getattr(module, name)
    except AttributeError:
        return False
    return True


def coverage(source: str) -> list[dict[str, Any]]:
    """Per namespace: its path, Lamina's counterpart, and (name, kind, implemented) for each name."""
    record = load_names()[source]
    result = []
    for path in sorted(record):
        module = lamina_module(path, source)
        theirs, ours = _PREFIX[source]
        rows = [(name, kind, module is not None and has_name(module, name)) for name, kind in
                sorted(record[path].items(), key=lambda item: item[0].lower())]
        extra = []
        if module is not None:
            names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
            extra = sorted(set(names) - set(record[path]), key=str.lower) if source == "keras" else []
        result.append({"path": path, "lamina": ours + path[len(theirs):] if module is not None else None,
                       "rows": rows, "extra": extra})
    return result


def _kind_label(kind: str) -> str:
    return kind.split(":", 1)[1] if kind.startswith("class:") else kind


def coverage_rst(source: str) -> list[str]:
    data = load_names()
    spaces = coverage(source)
    lines = [f"Names of Keras {data['keras_version']} and TensorFlow {data['tensorflow_version']}, listed by "
             "``tools/keras_public_names.py``; Lamina's side is looked up when this page is built.", "",
             ".. list-table::", "   :header-rows: 1", "", "   * - namespace", "     - names", "     - in Lamina",
             "     - Lamina's namespace"]
    for space in spaces:
        done = sum(1 for _, _, ok in space["rows"] if ok)
        target = f":py:mod:`{space['lamina']}`" if space["lamina"] else "(none)"
        lines += [f"   * - ``{space['path']}``", f"     - {len(space['rows'])}", f"     - {done}",
                  f"     - {target}"]
    lines.append("")
    for space in spaces:
        if space["lamina"] is None:
            continue  # counted in the summary; nothing of it to list
        done = sum(1 for _, _, ok in space["rows"] if ok)
        title = f"``{space['path']}``: {done} of {len(space['rows'])}"
        lines += [title, "~" * len(title), "", ".. list-table::", "   :header-rows: 1", "   :widths: 40 20 40",
                  "", "   * - name", "     - kind", "     - in Lamina"]
        for name, kind, ok in space["rows"]:
            where = f":py:obj:`~{space['lamina']}.{name}`" if ok else "no"
            lines += [f"   * - ``{name}``", f"     - {_kind_label(kind)}", f"     - {where}"]
        lines.append("")
        if space["extra"]:
            listed = ", ".join(f"``{name}``" for name in space["extra"])
            lines += [f"Lamina's ``{space['lamina']}`` also has: {listed}.", ""]
    return lines
