"""``tf.data.experimental``'s names that Keras programs still use (the same objects as in ``lamina.data``)."""

from __future__ import annotations

from typing import Any

from .structure import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Cardinality

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "cardinality"]


def cardinality(dataset: Any) -> Cardinality:
    """``dataset.cardinality()``, as ``tf.data.experimental.cardinality(dataset)``."""
    return dataset.cardinality()
