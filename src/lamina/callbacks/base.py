"""The callback protocol (Keras's): hooks the training loop calls at the start and end of training, of each
epoch and of each batch, in fit, evaluate and predict.

A callback sees the model as ``self.model`` (set with ``set_model`` before training) and the run's settings as
``self.params`` (``{'verbose': 1, 'epochs': E, 'steps': S}``). ``logs`` are dicts of Python floats: in batch
hooks the running averages over the epoch so far, in ``on_epoch_end`` the epoch's values plus the ``val_``
ones. Setting ``self.model.stop_training = True`` ends training (see ``TrainingMixin.fit`` for when).
"""

from __future__ import annotations

import contextlib
import io
from typing import Any, Callable, Iterable

Logs = dict[str, Any]


class _Discard(io.TextIOBase):
    """A stdout that drops what it is given (the prints of callbacks on processes other than rank 0)."""

    def write(self, text: str) -> int:
        return len(text)


_DISCARD = _Discard()


class Callback:
    """Base class: every hook does nothing; override the ones you need.

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, logs["loss"])
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_model(self, model: Any) -> None:
        self._model = model

    @property
    def model(self) -> Any:
        return self._model

    @model.setter
    def model(self, model: Any) -> None:
        self._model = model

    # Batch hooks of training; on_batch_* are Keras's older names, still called through these.
    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Alias kept for old callbacks: called by ``on_train_batch_begin``."""

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Alias kept for old callbacks: called by ``on_train_batch_end``."""

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self.on_batch_end(batch, logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """At the start of epoch ``epoch`` (0-based)."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """After a complete epoch and its validation; ``logs`` has the epoch's metrics and ``val_`` ones."""

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """At the start of ``fit``."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """At the end of ``fit``, however it ended (all epochs, early stop, or a stop mid-epoch)."""

    def on_test_begin(self, logs: Logs | None = None) -> None:
        """At the start of ``evaluate`` and of each validation run inside ``fit``."""

    def on_test_end(self, logs: Logs | None = None) -> None:
        """At the end of ``evaluate`` / a validation run."""

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Before each batch of ``evaluate`` / validation."""

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """After each batch of ``evaluate`` / validation."""

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        """At the start of ``predict``."""

    def on_predict_end(self, logs: Logs | None = None) -> None:
        """At the end of ``predict``."""

    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Before each batch of ``predict``."""

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """After each batch of ``predict``."""


_HOOKS = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
    "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
)


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
        from .history import History
        from .progbar_logger import ProgbarLogger

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
        from ..distribution.state import current_replica

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
        from .checkpoint import ModelCheckpoint
        from .csv_logger import CSVLogger
        from .progbar_logger import ProgbarLogger

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


class LambdaCallback(Callback):
    """A callback made of plain functions, for one-off hooks.

    ``on_epoch_begin/on_epoch_end(epoch, logs)``, ``on_train_batch_begin/end(batch, logs)`` and
    ``on_train_begin/end(logs)`` as keywords, plus any other hook name (e.g. ``on_test_end``) through
    ``**kwargs``.

    Example:
        >>> print_loss = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    """

    def __init__(self, on_epoch_begin: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_train_begin: Callable | None = None, on_train_end: Callable | None = None,
                 on_train_batch_begin: Callable | None = None, on_train_batch_end: Callable | None = None,
                 **kwargs: Callable) -> None:
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for hook, function in given.items():
            if hook not in _HOOKS and hook not in ("on_batch_begin", "on_batch_end"):
                raise TypeError(f"LambdaCallback: unknown hook {hook!r}; expected one of {', '.join(_HOOKS)}")
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"LambdaCallback: {hook} must be callable; received {function!r}")
            setattr(self, hook, function)
