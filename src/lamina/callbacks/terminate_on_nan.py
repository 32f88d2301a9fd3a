"""TerminateOnNaN: stop training at the first batch whose loss is NaN or infinite."""

from __future__ import annotations

import math

from .base import Callback, Logs


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite.

    The loss in the batch logs is the running mean over the epoch, so it turns NaN at the first bad batch.
    Prints ``Batch N: Invalid loss, terminating training`` (N the 0-based batch in the epoch) and sets
    ``model.stop_training``; the loop stops after that batch. The interrupted epoch is not reported as complete:
    no ``on_epoch_end``, no validation, nothing added to the History, and the weights are left as they are
    (already damaged by the bad update; restore a checkpoint or use ``EarlyStopping(restore_best_weights)``).
    """

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
            self.model.stop_training = True
