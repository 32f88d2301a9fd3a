"""Optimizers: the update rules of the notes' section 4 (and AdamW from section 5).

``get("adam")`` resolves a name (case-insensitive), an ``Optimizer`` instance, or
a dict made by ``serialize``; ``serialize``/``deserialize`` round-trip an optimizer's
configuration (not its state: see ``Optimizer.get_state``).

Example::

    from lamina import optimizers
    opt = optimizers.get("adam")                 # Adam() with Keras's defaults
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
"""

from __future__ import annotations

from typing import Any

from . import schedules
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .base import Optimizer
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

_BY_NAME: dict[str, type[Optimizer]] = {
    "sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad,
    "adamw": AdamW, "nadam": Nadam,
}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": ..., "config": optimizer.get_config()}`` (JSON-compatible)."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict[str, Any]) -> Optimizer:
    """Rebuild an optimizer from ``serialize``'s output."""
    name = config.get("class_name", "")
    cls = _BY_NAME.get(str(name).lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer class {name!r}; known: {sorted(_BY_NAME)}.")
    return cls.from_config(config.get("config", {}))


def get(identifier: str | Optimizer | dict[str, Any]) -> Optimizer:
    """An optimizer from a name (``'sgd'``, ``'adam'``, ``'rmsprop'``, ``'adagrad'``,
    ``'adamw'``, ``'nadam'``; any case) with default arguments, an ``Optimizer``
    (returned as is) or a dict made by ``serialize``."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is not None:
            return cls()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. "
                     f"Known names: {', '.join(sorted(_BY_NAME))}; or pass an Optimizer.")


__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Nadam", "schedules",
           "get", "serialize", "deserialize"]
