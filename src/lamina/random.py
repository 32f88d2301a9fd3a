"""Explicit, reproducible randomness: every random draw in Lamina comes from a ``numpy.random.Generator``.

Layers, initializers and the training loop never touch NumPy's global random state. Each asks
``make_rng(seed)`` for its own generator: with a seed, that seed decides it; without one, it is spawned from the
library's seed sequence, which ``set_random_seed`` resets, so that two runs of the same script after
``lamina.utils.set_random_seed(42)`` create identical weights, dropout masks and shuffles.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

_root = np.random.SeedSequence()


def set_random_seed(seed: int) -> None:
    """Make everything random that Lamina creates from now on reproducible from ``seed``.

    For scripts that also draw from NumPy's or Python's global generators (e.g. ``np.random.rand`` data in the
    notes' listings), those are seeded too, as Keras's ``set_random_seed`` does.
    """
    global _root
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed: seed must be a non-negative integer; received {seed!r}")
    _root = np.random.SeedSequence(int(seed))
    np.random.seed(int(seed) % 2**32)
    import random as python_random
    python_random.seed(int(seed))


def make_rng(seed: int | None = None) -> np.random.Generator:
    """A new generator: from ``seed`` when given, else the next child of the library's seed sequence."""
    if seed is not None:
        return np.random.default_rng(seed)
    return np.random.default_rng(_root.spawn(1)[0])


# ``import lamina as tf``: this module is ``tf.random``; TensorFlow's names load on first use (lamina.tf_random).
_TF_NAMES = ("set_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical")


def __getattr__(name: str) -> Any:
    if name in _TF_NAMES:
        return getattr(importlib.import_module(".tf_random", __package__), name)
    raise AttributeError(f"module 'lamina.random' has no attribute {name!r}")
