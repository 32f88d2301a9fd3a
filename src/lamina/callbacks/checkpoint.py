"""ModelCheckpoint: save the model (or its weights) during training, every epoch or only when it improves."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from .base import Callback, Logs
from ._monitor import check_mode


class ModelCheckpoint(Callback):
    """Save the model after every epoch (or every ``save_freq`` batches), or only when ``monitor`` improves.

    Every file is written atomically (a temporary file in the same directory, fsynced, then renamed over the
    target), so an interruption mid-write leaves the previous checkpoint intact and loadable.

    ``filepath`` may hold ``{epoch}`` (1-based) and any log key, with a format spec:
    ``'ckpt-{epoch:02d}-{val_loss:.2f}.weights.npz'``. With ``save_weights_only`` (or for a model without a
    ``save`` method) the weights are written with ``model.save_weights``; otherwise the whole model, optimizer
    state included, with ``model.save`` (so training can resume from the checkpoint exactly).

    Args:
        filepath: where to save; its directory is created if needed.
        monitor: the log key compared for ``save_best_only``.
        verbose: 1 prints a line per save decision, as Keras does.
        save_best_only: save only when ``monitor`` is better than the best so far (strictly).
        save_weights_only: save only the weights.
        mode: 'min', 'max' or 'auto' (Keras's rule: names with 'acc' or starting 'fmeasure' go up).
        save_freq: 'epoch', or an int: save every that many batches.
        initial_value_threshold: the best value to beat at the start.

    Example:
        >>> checkpoint = ModelCheckpoint("best.weights.npz", save_best_only=True, save_weights_only=True)
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: str = "auto",
                 save_freq: str | int = "epoch", initial_value_threshold: float | None = None) -> None:
        super().__init__()
        if save_freq != "epoch" and not (isinstance(save_freq, int) and not isinstance(save_freq, bool)
                                         and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive integer; "
                             f"received {save_freq!r}")
        self.filepath = os.fspath(filepath)
        from ..models import saving, weights_io  # here: the models package imports the callbacks
        (weights_io.check_weights_path if save_weights_only else saving.check_model_path)(self.filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        mode = check_mode(mode, "ModelCheckpoint")
        if mode == "auto":
            mode = "max" if ("acc" in monitor or monitor.startswith("fmeasure")) else "min"
        self._lower_is_better = mode == "min"
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        else:
            self.best = np.inf if self._lower_is_better else -np.inf
        self._batches_since_save = 0
        self._current_epoch = 0

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _improved(self, value: float) -> bool:
        return value < self.best if self._lower_is_better else value > self.best

    def _save(self, epoch: int, batch: int | None, logs: Logs | None) -> None:
        logs = dict(logs or {})
        path = self._format_path(epoch, batch, logs)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=3)
                return
            if not self._improved(current):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}",
                          flush=True)
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {path}", flush=True)
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}", flush=True)
        self._write(path)

    def _write(self, path: str) -> None:
        save = getattr(self.model, "save", None)
        if self.save_weights_only or save is None:
            self.model.save_weights(path)
        else:
            save(path)

    def _format_path(self, epoch: int, batch: int | None, logs: Logs) -> str:
        fields: dict[str, Any] = {**logs, "epoch": epoch + 1}
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise KeyError(f"ModelCheckpoint: filepath {self.filepath!r} uses the key {error}, which is not in "
                           f"the logs (available: epoch, {', '.join(logs)})") from None
