"""Weight constraints: projections applied to a weight after every optimizer step (Keras's ``constraints``).

The best-known is the max-norm constraint of Hinton et al. (2012), which the notes' dropout section cites: with
dropout, "an upper bound on the L2 norm of the incoming weight vector for each hidden unit" lets a large learning
rate be used safely. For a Dense kernel of shape (inputs, units), each unit's incoming weights are a column, so
the norms are taken over ``axis=0``:

    n_j = ||w_:,j||_2,    w_:,j <- w_:,j * min(n_j, c) / (n_j + epsilon)

Constraints act on arrays (the weight's current values), outside the autodiff graph: a projection is not part of
the loss.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .serialization import from_class_config

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm", "non_neg",
           "unit_norm", "get", "serialize"]

EPSILON = 1e-7  # Keras's backend epsilon, which its constraints add to the norm


class Constraint:
    """Base class: ``__call__(w) -> projected w`` (arrays); ``get_config`` gives the constructor arguments."""

    def __call__(self, w: np.ndarray) -> np.ndarray:
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Constraint":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


def _norms(w: np.ndarray, axis: Any) -> np.ndarray:
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Each slice along ``axis`` rescaled to norm at most ``max_value`` (Hinton et al.'s max-norm)."""

    def __init__(self, max_value: float = 2.0, axis: Any = 0):
        self.max_value = float(max_value)
        self.axis = axis

    def __call__(self, w: np.ndarray) -> np.ndarray:
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return (w * (desired / (EPSILON + norms))).astype(w.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms moved into [min_value, max_value]: ``n' = rate * clip(n, min, max) + (1 - rate) * n``."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0):
        self.min_value, self.max_value, self.rate, self.axis = float(min_value), float(max_value), float(rate), axis

    def __call__(self, w: np.ndarray) -> np.ndarray:
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return (w * (desired / (EPSILON + norms))).astype(w.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights set to zero."""

    def __call__(self, w: np.ndarray) -> np.ndarray:
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Each slice along ``axis`` rescaled to norm 1."""

    def __init__(self, axis: Any = 0):
        self.axis = axis

    def __call__(self, w: np.ndarray) -> np.ndarray:
        return (w / (EPSILON + _norms(w, self.axis))).astype(w.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

_CLASSES = {"MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm}
_BY_NAME: dict[str, Callable[[], Constraint]] = {"max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
                                                 "non_neg": NonNeg, "unit_norm": UnitNorm}


def get(identifier: Any) -> Constraint | Callable[[np.ndarray], np.ndarray] | None:
    """A constraint from None, a name ('max_norm'), an instance, a class, a callable or a config dict."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str):
        factory = _BY_NAME.get(identifier.lower()) or _CLASSES.get(identifier)
        if factory is None:
            raise ValueError(f"Unknown constraint {identifier!r}. Known constraints: {', '.join(sorted(_BY_NAME))}")
        return factory()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return from_class_config(identifier, _CLASSES, "constraint")
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret constraint {identifier!r} of type {type(identifier).__name__}")


def serialize(constraint: Any) -> Any:
    """A JSON-able description that ``get`` turns back into an equal constraint."""
    if isinstance(constraint, Constraint):
        return {"class_name": type(constraint).__name__, "config": constraint.get_config()}
    if constraint is None:
        return None
    return getattr(constraint, "__name__", repr(constraint))
