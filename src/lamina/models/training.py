"""compile / fit / evaluate / predict: Keras's training API, mixed into Sequential.

One training step is the notes' recipe, written out (section 4 and 7):

    clear the gradients; y_hat = model(x_batch, training=True)
    J = loss(y_batch, y_hat) + sum of the regularization penalties
    J.backward(); optimizer.step(trainable weights)

``fit`` repeats it over mini-batches, reshuffled every epoch by the model's own seeded generator, and reports what
Keras reports: the epoch's loss is the batch-size-weighted mean of the batch losses (each computed before its
update, regularization included), metrics accumulate over the epoch, validation runs in inference mode at the
epoch's end. Dropout and BatchNormalization switch modes because ``training`` is passed down every call; there
is no global training flag.

What the mixin needs from the model (Sequential provides it): ``__call__(x, training)``, ``trainable_weights``,
``losses``, ``get_weights()``, ``set_weights()``, ``name``.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ..callbacks import CallbackList
from ..packing import pack
from ..random import make_rng
from ..tensor import Tensor, no_grad
from . import data_adapter as da
from . import data_handler as dh
from .weights_io import load_weights_file, save_weights_file

Logs = dict[str, float]

# Keras's compile() arguments that only concern its graph compilers; accepted so that Keras code runs.
_IGNORED_COMPILE_ARGS = ("run_eagerly", "jit_compile", "steps_per_execution", "auto_scale_loss")


class _WeightedMean:
    """Running mean weighted by batch size: the epoch loss as Keras reports it."""

    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0

    def update_state(self, value: float, weight: int) -> None:
        self.total += value * weight
        self.count += weight

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


def _check_verbose(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2; received {verbose!r}")
    return int(verbose)


class TrainingMixin:
    """compile, fit, evaluate, predict, train_on_batch, test_on_batch, save_weights/load_weights.

    Attributes:
        optimizer: the compiled optimizer (None before ``compile``).
        loss: the loss as given to ``compile``.
        compiled_metrics: the metric objects built from ``compile(metrics=...)``.
        stop_training: set True (by a callback) to end ``fit``: checked after every batch; a stop inside an
            epoch ends training without reporting that epoch.
        history: the ``History`` of the last ``fit``.
    """

    optimizer: Any = None
    loss: Any = None
    stop_training: bool = False
    history: Any = None
    compiled: bool = False

    # ----- compile ------------------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Iterable[Any] | None = None,
                weighted_metrics: Iterable[Any] | None = None, **kwargs: Any) -> None:
        """Configure training: the optimizer, the loss and the metrics to report.

        Args:
            optimizer: a name ('sgd', 'adam', 'rmsprop', 'adagrad', 'adamw', 'nadam') or an optimizer object.
            loss: a name ('mse', 'binary_crossentropy', ...), a function or a Loss object.
            metrics: names, functions or Metric objects, reported without sample weights (as in Keras).
            weighted_metrics: the same, computed with the sample (and class) weights.
            **kwargs: Keras's ``run_eagerly``, ``jit_compile``, ``steps_per_execution`` are accepted and ignored.

        Example:
            >>> model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
        """
        unknown = sorted(set(kwargs) - set(_IGNORED_COMPILE_ARGS))
        if unknown:
            raise TypeError(f"compile() got unexpected argument(s) {unknown}")

        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self._loss_fn = None if loss is None else losses_module.get(loss)
        self.compiled_metrics = [metrics_module.get(m, loss=self._loss_fn) for m in _as_list(metrics, "metrics")]
        self.weighted_metrics = [metrics_module.get(m, loss=self._loss_fn)
                                 for m in _as_list(weighted_metrics, "weighted_metrics")]
        self._loss_tracker = _WeightedMean()
        self._compile_args = {"optimizer": optimizer, "loss": loss, "metrics": list(metrics or []),
                              "weighted_metrics": list(weighted_metrics or [])}
        self.compiled = True

    def get_compile_config(self) -> dict[str, Any] | None:
        """The arguments given to ``compile`` (names where names were given), or None before compile."""
        return dict(self._compile_args) if self.compiled else None

    @property
    def metrics_names(self) -> list[str]:
        """``['loss', *metric names]``: the order of ``evaluate``'s list result."""
        return ["loss", *[m.name for m in self._all_metrics()]] if self.compiled else []

    def _all_metrics(self) -> list[Any]:
        return [*self.compiled_metrics, *self.weighted_metrics]

    def reset_metrics(self) -> None:
        """Reset the loss average and every metric (``fit`` does it each epoch, ``evaluate`` each call)."""
        if self.compiled:
            self._loss_tracker.reset_state()
            for metric in self._all_metrics():
                metric.reset_state()

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"You must call compile() before {what}(): the model has no optimizer, loss or "
                               f"metrics yet (e.g. model.compile(optimizer='adam', loss='mse')).")
        if self._loss_fn is None:
            raise ValueError(f"{what}() needs a loss: compile the model with loss=... (e.g. loss='mse')")

    # ----- one step -----------------------------------------------------------------------------------------
    def _total_loss(self, y: np.ndarray, y_pred: Tensor, sample_weight: np.ndarray | None) -> Tensor:
        if sample_weight is None:
            loss = self._loss_fn(y, y_pred)
        else:
            loss = self._loss_fn(y, y_pred, sample_weight=sample_weight)
        penalties = self.losses
        if penalties:
            loss = loss + sum(penalties)
        return loss

    def _update_metrics(self, loss: float, y: np.ndarray, y_pred: np.ndarray,
                        sample_weight: np.ndarray | None) -> None:
        self._loss_tracker.update_state(loss, len(y))
        for metric in self.compiled_metrics:
            metric.update_state(y, y_pred)
        for metric in self.weighted_metrics:
            metric.update_state(y, y_pred, sample_weight=sample_weight)

    def _logs(self) -> Logs:
        """The running results, keys sorted as Keras sorts them (accuracy, loss, ...)."""
        logs = {"loss": float(self._loss_tracker.result())}
        for metric in self._all_metrics():
            logs[metric.name] = float(metric.result())
        return dict(sorted(logs.items()))

    def _train_step(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        y_pred = self(x, training=True)
        loss = self._total_loss(y, y_pred, sample_weight)
        # Read after the forward pass: the first call is what builds the layers and creates their weights.
        params = self.trainable_weights
        for p in params:
            p.grad = None
        if getattr(self, "_packed_weights", None) != [id(p) for p in params]:
            # The weights now exist (or changed): lay them out in one flat buffer, so that the optimizer updates
            # them all with a few large ufunc calls (lamina/packing.py). The forward pass above read the old
            # arrays, which hold the same values, so its gradients are unaffected.
            pack(params)
            self._packed_weights = [id(p) for p in params]
        if loss.requires_grad:
            loss.backward()
            self.optimizer.step(params)
        self._update_metrics(float(loss.data), y, y_pred.data, sample_weight)

    def _test_step(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        with no_grad():
            y_pred = self(x, training=False)
            loss = self._total_loss(y, y_pred, sample_weight)
        self._update_metrics(float(loss.data), y, y_pred.data, sample_weight)

    def _shuffle_generator(self) -> np.random.Generator:
        """The model's own generator for the epoch permutations, made at the first fit (so after
        ``set_random_seed``, the layers' and the shuffle's draws are the same on every run)."""
        rng = getattr(self, "_shuffle_rng", None)
        if rng is None:
            rng = self._shuffle_rng = make_rng(getattr(self, "seed", None))
        return rng

    # ----- fit ----------------------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: int | str = "auto", callbacks: Any = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool = True, class_weight: dict | None = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int | list[int] = 1) -> Any:
        """Train for ``epochs`` passes over the data in mini-batches of ``batch_size`` (the last one partial).

        Args:
            x, y: samples and targets, arrays with the same first dimension; or x alone as a
                ``lamina.data.Dataset``, a Python generator or a ``keras.utils.PyDataset`` of ``(x, y)`` or
                ``(x, y, sample_weight)`` batches (see ``models/data_handler.py``).
            batch_size: samples per gradient step (default 32; None for a Dataset, which batches itself).
            epochs: the index of the last epoch (with ``initial_epoch``, epochs ``initial_epoch..epochs-1`` run).
            verbose: 'auto' or 1 (a progress bar per epoch), 2 (one line per epoch), 0 (silent).
            callbacks: Callback objects (EarlyStopping, ModelCheckpoint, ...).
            validation_split: the fraction of the data, taken from its END before shuffling, to validate on.
            validation_data: ``(x_val, y_val)`` or ``(x_val, y_val, sample_weight_val)``, or a Dataset (or
                generator, PyDataset) of such batches; overrides the split.
            shuffle: a new permutation of the training samples every epoch.
            class_weight: ``{class: weight}``, multiplying each sample's loss by its class's weight.
            sample_weight: one weight per sample.
            initial_epoch: the epoch to start from (to resume training).
            steps_per_epoch: batches per epoch, taken from one iterator that continues across epochs (for
                repeated Datasets and generators).
            validation_steps: batches per validation (default: the whole validation data).
            validation_batch_size: the batch size for validation (default: ``batch_size``).
            validation_freq: validate every n-th epoch (an int) or after the listed epochs (1-based).

        Returns:
            A ``History``: ``history.history`` maps 'loss', metric names and their 'val_' versions to one value
            per epoch; ``history.epoch``; ``history.params == {'verbose', 'epochs', 'steps'}``.

        Raises:
            RuntimeError: the model is not compiled. ValueError: x and y of different lengths, empty data,
            NaN or infinity in x or y (named, with the first bad index), a bad ``validation_split``.

        A NaN loss does not stop training by itself (as in Keras): the epoch finishes, reports NaN, and later
        epochs continue; add ``TerminateOnNaN`` to stop at the first bad batch.

        Example:
            >>> history = model.fit(X, y, epochs=10, batch_size=32, validation_split=0.2)
            >>> history.history['val_loss']
        """

        self._require_compiled("fit")
        verbose = _check_verbose(verbose)
        split = da.check_validation_split(validation_split)
        validation_freq = dh.check_validation_freq(validation_freq)
        if not isinstance(shuffle, (bool, np.bool_)):
            raise ValueError(f"shuffle must be True or False; received {shuffle!r}")
        if int(epochs) != epochs or int(initial_epoch) != initial_epoch or initial_epoch < 0:
            raise ValueError(f"epochs and initial_epoch must be integers >= 0; received epochs={epochs!r}, "
                             f"initial_epoch={initial_epoch!r}")
        train, validation = dh.fit_feeds(x, y, sample_weight, batch_size=batch_size, shuffle=bool(shuffle),
                                         class_weight=class_weight, validation_split=split,
                                         validation_data=validation_data, validation_batch_size=validation_batch_size,
                                         steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)

        callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=int(epochs), steps=train.steps)
        rng = self._shuffle_generator()
        self.stop_training = False
        batch_hooks = callback_list.implements("on_train_batch_begin", "on_train_batch_end")
        callback_list.on_train_begin()
        epoch_logs: Logs = {}
        for epoch in range(int(initial_epoch), int(epochs)):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            done = 0
            for step, (x_batch, y_batch, w_batch) in enumerate(train.epoch(rng)):
                if batch_hooks:
                    callback_list.on_train_batch_begin(step)
                self._train_step(x_batch, y_batch, w_batch)
                done += 1
                if batch_hooks:
                    callback_list.on_train_batch_end(step, self._logs())
                if self.stop_training:
                    break
            if train.interrupted(done):
                # Stopped inside the epoch (e.g. TerminateOnNaN), or the input had no batch left: it is not
                # reported as a completed epoch.
                callback_list.on_epoch_abandoned(epoch)
                break
            epoch_logs = self._logs()
            if validation is not None and dh.should_validate(epoch, validation_freq):
                val_logs = self._evaluate_loop(validation, callbacks=callback_list)
                epoch_logs.update({f"val_{key}": value for key, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callback_list.on_train_end(epoch_logs)
        return callback_list.history

    # ----- evaluate / predict -------------------------------------------------------------------------------
    def _evaluate_loop(self, data: dh.Feed, callbacks: Any) -> Logs:
        """Loss and metrics over the batches of ``data`` in inference mode; fires the on_test_* hooks."""
        self.reset_metrics()
        callbacks.on_test_begin()
        for step, (x_batch, y_batch, w_batch) in enumerate(data.epoch()):
            callbacks.on_test_batch_begin(step)
            self._test_step(x_batch, y_batch, w_batch)
            callbacks.on_test_batch_end(step, self._logs())
        logs = self._logs()
        callbacks.on_test_end(logs)
        return logs

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: int | str = "auto",
                 sample_weight: Any = None, steps: int | None = None, callbacks: Any = None,
                 return_dict: bool = False) -> Any:
        """Loss (regularization included) and metrics on (x, y), in inference mode (no dropout, BatchNorm's
        moving statistics).

        ``x`` may be a Dataset, generator or PyDataset of ``(x, y)`` batches (then no ``y`` or ``batch_size``);
        ``steps`` limits the number of batches.

        Returns:
            The loss alone when there are no metrics, else ``[loss, *metrics]`` in ``metrics_names`` order; a
            dict when ``return_dict``.

        Example:
            >>> loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        """

        self._require_compiled("evaluate")
        verbose = _check_verbose(verbose)
        data = dh.evaluation_feed(x, y, sample_weight, batch_size=batch_size, steps=steps)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=data.steps)
        logs = self._evaluate_loop(data, callback_list)
        return logs if return_dict else self._flatten(logs)

    def _flatten(self, logs: Logs) -> Any:
        """Keras's order: loss, then the metrics as compiled; a lone loss as a scalar."""
        names = self.metrics_names
        values = [logs[name] for name in names if name in logs]
        values += [logs[key] for key in logs if key not in names]
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = "auto", steps: int | None = None,
                callbacks: Any = None) -> np.ndarray:
        """The model's outputs for ``x``, in inference mode, batch by batch, as one array.

        ``x`` may be a Dataset, generator or PyDataset of batches (x alone, or (x, y) whose y is ignored);
        ``steps`` limits the number of batches.

        With verbose (the default) a progress bar is printed, as Keras does: ``1/1 ━━━━━━━━━━━━━━━━━━━━ 0s
        105ms/step``.

        Example:
            >>> probabilities = model.predict(x_test, verbose=0)
        """

        verbose = _check_verbose(verbose)
        data = dh.evaluation_feed(x, batch_size=batch_size, steps=steps, need_y=False)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=data.steps)
        outputs = []
        callback_list.on_predict_begin()
        with no_grad():
            for step, (x_batch, _, _) in enumerate(data.epoch()):
                callback_list.on_predict_batch_begin(step)
                outputs.append(self(x_batch, training=False).data)
                callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
        callback_list.on_predict_end()
        return np.concatenate(outputs, axis=0)

    # ----- single batches -----------------------------------------------------------------------------------
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: dict | None = None,
                       reset_metrics: bool = True, return_dict: bool = False) -> Any:
        """One gradient step on this batch; returns the loss (and metrics) of this batch, computed before the
        update.

        With ``reset_metrics=False`` the values accumulate over calls until ``reset_metrics()`` (what Keras 3
        always does; Keras 2's default, kept here, reports the batch alone).

        Example:
            >>> loss = model.train_on_batch(x_batch, y_batch)
        """
        self._require_compiled("train_on_batch")
        x, y, sample_weight = da.prepare(x, y, sample_weight)
        if class_weight is not None:
            class_weights = da.class_weight_to_sample_weight(y, class_weight)
            sample_weight = class_weights if sample_weight is None else sample_weight * class_weights
        if reset_metrics:
            self.reset_metrics()
        self._train_step(x, y, sample_weight)
        logs = self._logs()
        return logs if return_dict else self._flatten(logs)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, reset_metrics: bool = True,
                      return_dict: bool = False) -> Any:
        """Loss and metrics on this batch in inference mode (``reset_metrics`` as in ``train_on_batch``)."""
        self._require_compiled("test_on_batch")
        x, y, sample_weight = da.prepare(x, y, sample_weight)
        if reset_metrics:
            self.reset_metrics()
        self._test_step(x, y, sample_weight)
        logs = self._logs()
        return logs if return_dict else self._flatten(logs)

    def predict_on_batch(self, x: Any) -> np.ndarray:
        """The outputs for one batch, in inference mode, without progress or callbacks."""
        x, _, _ = da.prepare(x, need_y=False)
        with no_grad():
            return self(x, training=False).data

    # ----- weights files ------------------------------------------------------------------------------------
    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        """Write ``get_weights()`` to ``filepath`` atomically (see ``lamina.models.weights_io``).

        Example:
            >>> model.save_weights("model.weights.npz")
        """
        save_weights_file(filepath, self.get_weights(), overwrite=overwrite)

    def load_weights(self, filepath: str) -> None:
        """Read weights written by ``save_weights`` into this (built) model, checking count and shapes."""
        self.set_weights(load_weights_file(filepath))


def _as_list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, dict):
        raise ValueError(f"{name} as a dict is for multi-output models, which Lamina does not have; pass a list")
    return [value]
