"""Utilities: reproducibility, the Keras-style progress bar, and atomic file writing.

``set_random_seed`` is the one in :mod:`lamina.random`, re-exported here where Keras users look for it
(``keras.utils.set_random_seed``). ``Progbar`` and ``atomic_write`` load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..random import set_random_seed

_LAZY = {"Progbar": ".progbar", "atomic_write": ".io"}

__all__ = ["set_random_seed", "Progbar", "atomic_write"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina.utils' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
