"""Deciding whether a monitored quantity should go down (a loss) or up (an accuracy)."""

from __future__ import annotations

import warnings
from typing import Any

# Metrics where larger is better, recognised by name when the metric object does not say.
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fmeasure", "r2")


def metric_direction(monitor: str, model: Any) -> str | None:
    """'min' or 'max' for ``monitor`` (e.g. ``val_loss`` -> min, ``val_accuracy`` -> max), else None.

    Order: losses go down; then a compiled metric of that name that declares a ``direction`` /
    ``_direction`` ('up' or 'down'); then the metric's name (accuracy-like names go up, the rest down).
    """
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss" or name.endswith("_loss"):
        return "min"
    for metric in getattr(model, "compiled_metrics", None) or []:
        if getattr(metric, "name", None) == name:
            direction = getattr(metric, "direction", None) or getattr(metric, "_direction", None)
            if direction in ("up", "down"):
                return "max" if direction == "up" else "min"
    if any(part in name for part in _HIGHER_IS_BETTER):
        return "max"
    if any(part in name for part in ("error", "mae", "mse", "mape", "msle", "crossentropy", "hinge",
                                     "divergence", "poisson", "cosh", "loss")):
        return "min"
    return None


def check_mode(mode: str, who: str) -> str:
    """Keras warns about an unknown mode and falls back to 'auto'."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{who} mode {mode!r} is unknown, fallback to auto mode.", stacklevel=3)
        return "auto"
    return mode
