"""Rebuilding objects from Keras's serialized form, ``{"class_name": ..., "config": {...}}``.

Losses, regularizers and initializers are each looked up by a ``get(identifier)`` that accepts this form; the
lookup and its error are the same for all three, so they live here once.
"""

from __future__ import annotations

from typing import Any, Mapping


def from_class_config(identifier: Mapping[str, Any], classes: Mapping[str, Any], kind: str,
                      aliases: Mapping[str, Any] | None = None) -> Any:
    """``classes[class_name].from_config(config)``; ``aliases`` are tried with the lower-cased name next.

    Raises ValueError naming the ``kind`` ("loss", "initializer", ...) and the known classes.
    """
    name = identifier["class_name"]
    cls = classes.get(name) or (aliases or {}).get(str(name).lower())
    if cls is None:
        raise ValueError(f"Unknown {kind} class {name!r}. Known classes: {', '.join(sorted(classes))}")
    return cls.from_config(identifier.get("config", {}))
