"""CallbackList: how the training loop calls every callback's hook, in order, with Keras's guarantees.

The user's callbacks come first, then ``History`` and the progress bar, which the loop appends (as Keras does, so
user callbacks may add keys to the logs History records). Every hook receives a dict of logs, never None. In a
data-parallel job (``lamina.distribution``), processes other than rank 0 skip the callbacks that only print or
write files, and run the others with their prints muted.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any, Iterable

from ..distribution.state import current_replica
from .base import Callback, Logs
from .checkpoint import ModelCheckpoint
from .csv_logger import CSVLogger
from .history import History
from .progbar_logger import ProgbarLogger


class _Discard(io.TextIOBase):
    """A stdout that drops what it is given (the prints of callbacks on processes other than rank 0)."""

    def write(self, text: str) -> int:
        return len(text)


_DISCARD = _Discard()


class CallbackList:
    """Calls a hook on every callback, in order: the user's callbacks first, then ``History`` and the progress
    bar, which the loop appends (as Keras does, so user callbacks may add keys to the logs History records).

    Args:
        callbacks: the callbacks (a Callback or an iterable of them).
        add_history: append a ``History`` unless one is in ``callbacks``.
        add_progbar: append a ``ProgbarLogger`` unless one is in ``callbacks``.
        model: passed to every callback's ``set_model``.
        **params: passed to every callback's ``set_params``.
    """

    def __init__(self, callbacks: Callback | Iterable[Callback] | None = None, add_history: bool = False,
                 add_progbar: bool = False, model: Any = None, **params: Any) -> None:
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback):
            callbacks = [callbacks]
        self.callbacks: list[Callback] = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be instances of lamina.callbacks.Callback; received "
                                f"{type(callback).__name__}: {callback!r}")
        self.history: History | None = next((c for c in self.callbacks if isinstance(c, History)), None)
        if self.history is None and add_history:
            self.history = History()
            self.callbacks.append(self.history)
        self.progbar: ProgbarLogger | None = next(
            (c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self.progbar is None and add_progbar:
            self.progbar = ProgbarLogger()
            self.callbacks.append(self.progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        # [distribution] On processes other than rank 0 of a data-parallel job, the callbacks that only print or
        # write files (progress, checkpoints, CSV logs) are skipped, and the others run with their prints muted;
        # they all still count for ``implements``, so every process takes the same collective steps.
        self._muted = not current_replica().writes_side_effects

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    def set_model(self, model: Any) -> None:
        self.model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def implements(self, *hooks: str) -> bool:
        """Whether any callback overrides one of ``hooks``; the training loop skips per-batch work (computing
        the running logs, calling empty hooks) that no callback would see."""
        return any(getattr(getattr(c, hook), "__func__", None) is not getattr(Callback, hook)
                   for c in self.callbacks for hook in hooks)

    def _call(self, hook: str, *args: Any) -> None:
        # Keras's contract: every hook receives a dict of logs, never None (an empty one where there is nothing
        # to report), so a callback may write logs["key"] or iterate logs without checking.
        *leading, logs = args
        logs = {} if logs is None else logs
        if self._muted:
            return self._call_muted(hook, *leading, logs)
        for callback in self.callbacks:
            getattr(callback, hook)(*leading, logs)

    def _call_muted(self, hook: str, *args: Any) -> None:
        with contextlib.redirect_stdout(_DISCARD):
            for callback in self.callbacks:
                if not isinstance(callback, (ProgbarLogger, ModelCheckpoint, CSVLogger)):
                    getattr(callback, hook)(*args)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._call("on_train_begin", logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs: Logs | None = None) -> None:
        self._call("on_test_begin", logs)

    def on_test_end(self, logs: Logs | None = None) -> None:
        self._call("on_test_end", logs)

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs: Logs | None = None) -> None:
        self._call("on_predict_end", logs)

    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._call("on_predict_batch_end", batch, logs)

    def on_epoch_abandoned(self, epoch: int) -> None:
        """Training stopped inside ``epoch``: its ``on_epoch_end`` will not come. Only the progress bar
        needs to know (to end its line); this is not a Keras hook, so user callbacks are not called."""
        if self.progbar is not None and not self._muted:
            self.progbar.abandon()
