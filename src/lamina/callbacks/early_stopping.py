"""EarlyStopping: stop when the monitored quantity has stopped improving (section 5 of the notes)."""

from __future__ import annotations

import warnings
from typing import Any

from .base import Callback, Logs
from ._monitor import check_mode, metric_direction


class EarlyStopping(Callback):
    """Stop training once ``monitor`` has not improved for ``patience`` epochs; optionally restore the best
    weights. Same arguments and semantics as Keras 3.

    Each epoch from ``start_from_epoch`` on: ``wait += 1``; if the value improved (strictly better than the
    best by more than ``|min_delta|``), it becomes the best (with a copy of the weights) and ``wait`` returns to
    0, provided it also beats ``baseline``; otherwise training stops when ``wait >= patience`` (never after the
    first epoch). With ``restore_best_weights``, the best epoch's weights are put back at the end of training,
    also when it was not stopped early.

    Args:
        monitor: the log key to watch, e.g. ``'val_loss'`` or ``'val_accuracy'``.
        min_delta: the least change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints ``Epoch 6: early stopping`` and the restoring message.
        mode: 'min', 'max' or 'auto' (losses go down, accuracy-like metrics up).
        baseline: a value the monitor must beat for ``wait`` to reset.
        restore_best_weights: put back the weights of the best epoch at the end.
        start_from_epoch: epochs to let pass before watching (a warm-up).

    Attributes:
        stopped_epoch: the 0-based epoch at which training was stopped (0 if it was not).
        best, best_epoch, wait: the state described above.

    Example::

        stop = EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True)
        model.fit(x, y, epochs=100, validation_data=(xv, yv), callbacks=[stop])
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0) -> None:
        super().__init__()
        if int(patience) != patience or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be a non-negative integer; received {patience!r}")
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.verbose = verbose
        self.mode = check_mode(mode, "EarlyStopping")
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._lower_is_better: bool | None = None
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float | None = None
        self.best_weights: list | None = None
        self.best_epoch = 0

    def _resolve_mode(self) -> None:
        mode = self.mode if self.mode != "auto" else metric_direction(self.monitor, self.model)
        if mode is None:
            raise ValueError(
                f"EarlyStopping callback received monitor={self.monitor}, but Lamina cannot tell whether that "
                f"metric should be maximized or minimized. Pass mode='max' to stop on the highest value, or "
                f"mode='min' to stop on the lowest.")
        self._lower_is_better = mode == "min"

    def _is_improvement(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return True
        # Strict: equal to the reference (or within min_delta of it) is not an improvement.
        if self._lower_is_better:
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._reset()  # so that one instance can serve several fits

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self._lower_is_better is None:
            self._resolve_mode()
        current = self._monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the weights we have are the best we know.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.",
                      flush=True)
            self.model.set_weights(self.best_weights)

    def _monitor_value(self, logs: Logs | None) -> Any:
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs)}", stacklevel=3)
        return value
