"""History: the per-epoch record that ``fit`` returns."""

from __future__ import annotations

from typing import Any

from .base import Callback, Logs


class History(Callback):
    """Records every epoch's logs; ``fit`` adds one automatically and returns it.

    Attributes:
        history: ``{'accuracy': [...], 'loss': [...], 'val_loss': [...], ...}``, one value per completed
            epoch, keys in the (sorted) order of the logs.
        epoch: the 0-based indices of the completed epochs, e.g. ``[0, 1, 2]``.
        params: ``{'verbose': 1, 'epochs': E, 'steps': S}``.

    As in Keras, one History passed to several ``fit`` calls keeps appending to ``history``; ``epoch``
    restarts with each call.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.epoch = []
        # Set here too (Keras sets it only at epoch end) so that model.history exists even after a fit that
        # ran no epoch (initial_epoch >= epochs, or a stop inside the first epoch).
        if self.model is not None:
            self.model.history = self

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self

    def __repr__(self) -> str:
        return f"<History epochs={len(self.epoch)} keys={sorted(self.history)}>"
