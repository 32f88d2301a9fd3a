"""The callback protocol (Keras's): hooks the training loop calls at the start and end of training, of each
epoch and of each batch, in fit, evaluate and predict.

A callback sees the model as ``self.model`` (set with ``set_model`` before training) and the run's settings as
``self.params`` (``{'verbose': 1, 'epochs': E, 'steps': S}``). ``logs`` are dicts of Python floats: in batch
hooks the running averages over the epoch so far, in ``on_epoch_end`` the epoch's values plus the ``val_``
ones. Setting ``self.model.stop_training = True`` ends training (see ``TrainingMixin.fit`` for when).
"""

from __future__ import annotations

from typing import Any

Logs = dict[str, Any]

# The hooks of the protocol, in the order Keras lists them.
HOOKS = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
    "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
)


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
