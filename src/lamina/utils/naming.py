"""Keras's automatic object names: the snake_case of a class name ('TopKCategoricalAccuracy' ->
'top_k_categorical_accuracy', 'AUC' -> 'auc')."""

from __future__ import annotations

import re


def to_snake_case(name: str) -> str:
    """'BatchNormalization' -> 'batch_normalization', 'LeakyReLU' -> 'leaky_re_lu' (Keras's rule)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
