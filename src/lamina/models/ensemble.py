"""Ensembles (section 5 of the notes): average the predictions of k models.

If the k members' errors have variance sigma^2 each and are uncorrelated, the error of their average has
variance sigma^2 / k; correlated errors (members trained on the same data make partly the same mistakes) shrink
less. ``Ensemble`` only averages; training the members (different seeds, data or architectures) is up to you.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..tensor import Tensor


class Ensemble:
    """A model that predicts the (optionally weighted) mean of its members' predictions.

    Args:
        members: trained models with ``predict(x, batch_size=..., verbose=...)``.
        weights: optional non-negative weights, one per member (normalized to sum to 1).

    Example:
        >>> from lamina import layers
        >>> members = [lamina.Sequential([layers.Input((3,)), layers.Dense(1)]) for _ in range(3)]
        >>> ensemble = Ensemble(members)
        >>> ensemble.predict(np.ones((2, 3)), verbose=0).shape
        (2, 1)
    """

    def __init__(self, members: Sequence[Any], weights: Sequence[float] | None = None) -> None:
        members = list(members)
        if not members:
            raise ValueError("Ensemble needs at least one member model; received an empty list")
        for i, member in enumerate(members):
            if not callable(getattr(member, "predict", None)):
                raise TypeError(f"Ensemble member {i} ({type(member).__name__}) has no predict() method")
        self.members = members
        if weights is None:
            self.weights = np.full(len(members), 1.0 / len(members))
        else:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (len(members),) or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
                raise ValueError(f"Ensemble weights must be {len(members)} non-negative numbers with a positive "
                                 f"sum; received {list(weights)}")
            self.weights = w / w.sum()

    def __len__(self) -> int:
        return len(self.members)

    def predict_members(self, x: Any, batch_size: int | None = None) -> np.ndarray:
        """Every member's predictions, stacked: shape ``(k, n, ...)``."""
        return np.stack([m.predict(x, batch_size=batch_size, verbose=0) for m in self.members])

    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = 0) -> np.ndarray:
        """The weighted mean of the members' predictions (float32, the members' output shape)."""
        stacked = self.predict_members(x, batch_size=batch_size)
        mean = np.tensordot(self.weights, stacked.astype(np.float64), axes=1)
        return mean.astype(stacked.dtype if stacked.dtype.kind == "f" else np.float32)

    def evaluate(self, x: Any, y: Any, loss: Any = None, metrics: Sequence[Any] | None = None,
                 batch_size: int | None = None, return_dict: bool = False) -> Any:
        """Loss (and metrics) of the averaged prediction against ``y``.

        Args:
            loss: a loss identifier; default: the first member's compiled loss. Computed on the averaged
                output itself (averaged probabilities, not logits).
            metrics: metric identifiers, e.g. ``['accuracy']``.

        Returns:
            The loss, or ``[loss, *metrics]``, or a dict when ``return_dict``.
        """
        from .. import losses as losses_module
        from .. import metrics as metrics_module

        loss = loss if loss is not None else getattr(self.members[0], "loss", None)
        if loss is None:
            raise ValueError("Ensemble.evaluate needs a loss: pass loss=... or compile the members")
        loss_fn = losses_module.get(loss)
        y_true = np.asarray(y)
        y_pred = self.predict(x, batch_size=batch_size)
        logs = {"loss": float(loss_fn(y_true, Tensor(y_pred)).data)}
        for identifier in metrics or []:
            metric = metrics_module.get(identifier, loss=loss_fn)
            metric.update_state(y_true, y_pred)
            logs[metric.name] = float(metric.result())
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values
