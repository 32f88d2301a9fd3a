"""compile / fit / evaluate / predict: Keras's training API, which the Model base class mixes in.

One training step is the notes' recipe, written out (section 4 and 7):

    clear the gradients; y_hat = model(x_batch, training=True)
    J = loss(y_batch, y_hat) + sum of the regularization penalties
    J.backward(); optimizer.step(trainable weights)

``fit`` repeats it over mini-batches, reshuffled every epoch by the model's own seeded generator, and reports what
Keras reports: the epoch's loss is the batch-size-weighted mean of the batch losses (each computed before its
update, regularization included), metrics accumulate over the epoch, validation runs in inference mode at the
epoch's end. Dropout and BatchNormalization switch modes because ``training`` is passed down every call; there
is no global training flag.

What the mixin needs from the model (the Model base provides it): ``__call__(x, training)``,
``trainable_weights``, ``losses``, ``_flatten_layers()``, ``get_weights()``, ``set_weights()``, ``name``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import optimizers as optimizers_module
from ..callbacks import CallbackList
from ..distribution.state import current_replica  # [distribution seam] one process unless a DataParallel is set
from ..layers import base as layer_base
from ..packing import pack
from ..random import make_rng
from ..tensor import Tensor, no_grad
from ..utils import nest
from . import data_adapter as da
from .compile_utils import CompiledLoss, CompiledMetrics, RunningMean, flatten_targets
from . import data_handler as dh
from . import graph_checks, label_checks, weights_io

Logs = dict[str, float]

# Keras's compile() arguments that only concern its graph compilers; accepted so that Keras code runs.
_IGNORED_COMPILE_ARGS = ("run_eagerly", "jit_compile", "steps_per_execution", "auto_scale_loss")


def _check_verbose(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2; received {verbose!r}")
    return int(verbose)


class _TrainingState:
    """What every step of one ``fit`` needs and the first step finds out: the trainable weights (packed into one
    flat buffer), the weights with penalties and constraints. Made once per fit (the first step builds a model that
    was not built), so later steps do not walk the layers."""

    def __init__(self, model: Any):
        self.params = model.trainable_weights
        layers = model._flatten_layers()
        self.penalties = [pair for layer in layers for pair in layer._weight_regularizers]
        self.constraints = [pair for layer in layers for pair in layer._weight_constraints]
        if not self.params:
            if not model.weights and len(layers) == 1:
                # No layer found at all: a model whose layers are hidden from tracking, never a silent no-op run.
                raise ValueError(f'Model "{model.name}" has no weights, so training would change nothing. If it holds '
                                 f"layers, keep them as attributes (self.dense = Dense(...)) or in lists or dicts "
                                 f"assigned as attributes, so that Lamina can find them.")
            # Layers without weights (e.g. only add_loss terms) or all frozen: Keras's warning, and fit runs.
            warnings.warn(f'Model "{model.name}" has no trainable weights'
                          f'{" (every layer is frozen)" if model.weights else ""}: fit will not change them.',
                          stacklevel=4)
        if getattr(model, "_packed_weights", None) != [id(p) for p in self.params]:
            # Lay the weights out in one flat buffer, so that the optimizer updates them all with a few large ufunc
            # calls (lamina/packing.py). A forward pass that already ran read the old arrays, which hold the same
            # values, so its gradients are unaffected.
            pack(self.params)
            model._packed_weights = [id(p) for p in self.params]


class TrainingMixin:
    """compile, fit, evaluate, predict, train_on_batch, test_on_batch, train_step / test_step,
    compute_loss / compute_metrics, save_weights / load_weights.

    Attributes:
        optimizer: the compiled optimizer (None before ``compile``).
        loss: the loss as given to ``compile``.
        compiled_metrics: the metric objects built from ``compile(metrics=...)``.
        stop_training: set True (by a callback) to end ``fit``: checked after every batch; a stop inside an
            epoch ends training without reporting that epoch.
        history: the ``History`` of the last ``fit``.

    ``train_step(data)`` and ``test_step(data)`` may be overridden (Keras's "Customizing what happens in fit()"):
    ``fit`` then calls them with each batch, ``(x, y)`` or ``(x, y, sample_weight)`` (``(x,)`` without
    targets), and reports the dict they return.
    """

    optimizer: Any = None
    loss: Any = None
    stop_training: bool = False
    history: Any = None
    compiled: bool = False
    _compiled_loss: Any = None
    _compiled_metrics: Any = None
    _train_state: _TrainingState | None = None

    # ----- compile ------------------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None,
                metrics: Any = None, weighted_metrics: Any = None, **kwargs: Any) -> None:
        """Configure training: the optimizer, the loss(es) and the metrics to report.

        Args:
            optimizer: a name ('sgd', 'adam', 'rmsprop', 'adagrad', 'adamw', 'nadam') or an optimizer object.
            loss: a name ('mse', 'binary_crossentropy', ...), a function or a Loss object; for a model with
                several outputs, one per output as a list or a dict keyed by output name (or one for all).
            loss_weights: the weight of each output's loss (list or dict), 1 by default.
            metrics: names, functions or Metric objects, reported without sample weights (as in Keras); for
                several outputs, a list of lists or a dict keyed by output name.
            weighted_metrics: the same, computed with the sample (and class) weights.
            **kwargs: Keras's ``run_eagerly``, ``jit_compile``, ``steps_per_execution`` are accepted and ignored.

        Example::

            model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
        """
        unknown = sorted(set(kwargs) - set(_IGNORED_COMPILE_ARGS))
        if unknown:
            raise TypeError(f"compile() got unexpected argument(s) {unknown}")
        names = self._compile_output_names(loss)
        compiled_loss = CompiledLoss(loss, loss_weights, names)
        compiled_metrics = CompiledMetrics(metrics, weighted_metrics, names, compiled_loss.functions)
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self._compiled_loss = compiled_loss
        self._loss_fn = compiled_loss.single if compiled_loss.functions else None
        self._compiled_metrics = compiled_metrics
        self.compiled_metrics = [m for _, _, m, weighted in compiled_metrics.entries if not weighted]
        self.weighted_metrics = [m for _, _, m, weighted in compiled_metrics.entries if weighted]
        self._loss_tracker = RunningMean("loss")
        self._compile_args = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
                              "metrics": _as_list(metrics), "weighted_metrics": _as_list(weighted_metrics)}
        self._train_state = None
        self.compiled = True

    def _compile_output_names(self, loss: Any) -> list[str]:
        names = list(getattr(self, "output_names", None) or [])
        if names:
            return names
        if isinstance(loss, (list, tuple)) and len(loss) > 1:
            return [f"output_{i}" for i in range(len(loss))]
        if isinstance(loss, dict) and len(loss) > 1:
            return sorted(loss)
        return ["output"]

    def get_compile_config(self) -> dict[str, Any] | None:
        """The arguments given to ``compile`` (names where names were given), or None before compile."""
        return dict(self._compile_args) if self.compiled else None

    @property
    def metrics(self) -> list[Any]:
        """The model's metric objects: the loss tracker, the compiled metrics (one object holding them all, as
        Keras's ``compile_metrics``), each output's loss tracker, and metrics kept as attributes of the model."""
        result: list[Any] = []
        if self.compiled:
            result.append(self._loss_tracker)
            if self._compiled_metrics:
                result.append(self._compiled_metrics)
            result.extend(self._compiled_loss.trackers)
        from ..metrics import Metric
        for value in vars(self).values():
            if isinstance(value, Metric) and all(value is not known for known in result):
                result.append(value)
        return result

    @property
    def metrics_names(self) -> list[str]:
        """The names of ``evaluate``'s list result, in order: ``loss``, each compiled metric, each output's loss.
        (Keras 3 lists ``['loss', 'compile_metrics']`` here; Lamina names every value, so that
        ``dict(zip(model.metrics_names, model.evaluate(x, y)))`` works.)"""
        if not self.compiled:
            return []
        metric_keys = [key for _, key, _, _ in self._compiled_metrics.entries]
        output_losses = [tracker.name for tracker in self._compiled_loss.trackers]
        if not output_losses:
            return ["loss", *metric_keys]
        # Keras's order for several outputs: the total, each output's loss, then the metrics sorted by name.
        return ["loss", *output_losses, *sorted(metric_keys)]

    def _all_metrics(self) -> list[Any]:
        return [*self.compiled_metrics, *self.weighted_metrics]

    def reset_metrics(self) -> None:
        """Reset the loss average and every metric (``fit`` does it each epoch, ``evaluate`` each call)."""
        for metric in self.metrics:
            metric.reset_state()

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"You must call compile() before {what}(): the model has no optimizer, loss or "
                               f"metrics yet (e.g. model.compile(optimizer='adam', loss='mse')).")

    def _needs_targets(self) -> bool:
        """Targets are required when a compiled loss needs them (a model trained only on its layers' add_loss
        terms, or by its own train_step, takes x alone)."""
        return bool(self._compiled_loss.functions) and not self._custom_step("fit")

    def _custom_step(self, what: str) -> bool:
        """Whether the model overrides the step that ``what`` runs (train_step or test_step)."""
        if what in ("fit", "train_on_batch"):
            return type(self).train_step is not TrainingMixin.train_step
        if what in ("evaluate", "test_on_batch"):
            return type(self).test_step is not TrainingMixin.test_step
        return False

    # ----- loss and metrics ------------------------------------------------------------------------------------
    def _output_list(self, y_pred: Any) -> list[Any]:
        return nest.flatten(y_pred) if nest.is_nested(y_pred) else [y_pred]

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None,
                     training: bool = True) -> Tensor:
        """The training loss: each output's loss (weighted), plus the regularization penalties and the terms
        layers added with ``add_loss``. Overridable (Keras 3's signature)."""
        return self._total_loss(y, y_pred, sample_weight)

    def _total_loss(self, y: Any, y_pred: Any, sample_weight: Any, state: _TrainingState | None = None) -> Tensor:
        single = self._loss_fn
        loss = None
        if single is not None:
            loss = single(y, y_pred) if sample_weight is None else single(y, y_pred, sample_weight=sample_weight)
        elif self._compiled_loss.functions:
            outputs = self._output_list(y_pred)
            targets = flatten_targets(y, self._compiled_loss.output_names)
            batch_size = len(outputs[0].data) if outputs and isinstance(outputs[0], Tensor) else 0
            loss = self._compiled_loss(targets, outputs, sample_weight, batch_size, track=True)
        if state is None:
            penalties = self.losses
        else:
            penalties = [regularizer(variable) for variable, regularizer in state.penalties]
            if layer_base._losses_used:
                penalties += [term for layer in self._flatten_layers() for term in layer._call_losses]
        if penalties:
            loss = sum(penalties) if loss is None else loss + sum(penalties)
        if loss is None:
            raise ValueError(f'Model "{self.name}" has no loss to compute: compile it with loss=... (e.g. '
                             f"loss='mse'), or add loss terms with self.add_loss(...) in call()")
        return loss if isinstance(loss, Tensor) else Tensor(np.asarray(loss, dtype=np.float32))

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict[str, float]:
        """Update the compiled metrics with this batch and return every metric's result (Keras 3)."""
        self._update_compiled_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict[str, float]:
        """Every metric's current result, as a flat dict of floats."""
        return _python_logs({metric.name: metric.result() for metric in self.metrics})

    def _update_compiled_metrics(self, y: Any, y_pred: Any, sample_weight: Any) -> None:
        if not self._compiled_metrics or y is None:
            return
        if self._loss_fn is not None or len(self._compiled_metrics.output_names) == 1:
            self._compiled_metrics.update_state(y, _values(y_pred), sample_weight)
        else:
            outputs = [_values(o) for o in self._output_list(y_pred)]
            self._compiled_metrics.update_state(flatten_targets(y, self._compiled_metrics.output_names), outputs,
                                                sample_weight)

    def _update_metrics(self, loss: float, y: Any, y_pred: Any, sample_weight: Any) -> None:
        self._loss_tracker.update_state(loss, _batch_size(y_pred))
        self._update_compiled_metrics(y, y_pred, sample_weight)

    def _logs(self) -> Logs:
        """The running results, keys sorted as Keras sorts them (accuracy, loss, ...)."""
        with current_replica().global_metrics(self):  # [distribution seam] the sums over all processes
            logs = {"loss": float(self._loss_tracker.result())}
            for tracker in self._compiled_loss.trackers:
                logs[tracker.name] = float(tracker.result())
            if self._compiled_metrics:
                logs.update(self._compiled_metrics.result())
        return dict(sorted(logs.items()))

    def _reducible_metrics(self) -> list[Any]:
        """The metric objects whose sums a data-parallel run adds up over processes."""
        return [self._loss_tracker, *self._compiled_loss.trackers, *self._all_metrics()]

    # ----- one step -----------------------------------------------------------------------------------------
    def _training_state(self) -> _TrainingState:
        state = self._train_state
        if state is None:
            state = self._train_state = _TrainingState(self)
        return state

    def train_step(self, data: Any) -> dict[str, float]:
        """One gradient step on a batch ``(x, y)`` or ``(x, y, sample_weight)``; returns the running logs.

        Override it to change what ``fit`` does with each batch (see the class docstring).
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._train_step(x, y, sample_weight)
        return self._logs()

    def test_step(self, data: Any) -> dict[str, float]:
        """Loss and metrics of a batch in inference mode; returns the running logs. Overridable."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._test_step(x, y, sample_weight)
        return self._logs()

    def _train_step(self, x: Any, y: Any, sample_weight: Any) -> None:
        replica = current_replica()  # [distribution seam]
        if not da.num_samples(x):  # [distribution seam] an uneven last batch left this process no samples
            return replica.empty_step(self)
        y_pred = self(x, training=True)
        # Read after the forward pass: the first call is what builds the layers and creates their weights.
        state = self._training_state()
        if type(self).compute_loss is TrainingMixin.compute_loss:
            loss = self._total_loss(y, y_pred, sample_weight, state)
        else:
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        params = state.params
        for p in params:
            p.grad = None
        if params:
            graph_checks.require_graph(loss, params, "fit")
            replica.scale_loss(loss).backward()  # [distribution seam] this process's share of the global loss
            replica.reduce_gradients(params)  # [distribution seam] the global batch's gradient
            self.optimizer.step(params)
            for variable, constraint in state.constraints:
                variable.assign(constraint(variable.data))
        self._update_metrics(float(loss.data), y, y_pred, sample_weight)

    def _test_step(self, x: Any, y: Any, sample_weight: Any) -> None:
        if not da.num_samples(x):  # [distribution seam] this process's shard of the batch is empty
            return
        with no_grad():
            y_pred = self(x, training=False)
            if type(self).compute_loss is TrainingMixin.compute_loss:
                loss = self._total_loss(y, y_pred, sample_weight)
            else:
                loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._update_metrics(float(loss.data), y, y_pred, sample_weight)

    def _run_train_step(self, x: Any, y: Any, sample_weight: Any) -> Logs | None:
        """The step ``fit`` runs: the built-in one (logs made only when asked), or the model's own."""
        if type(self).train_step is TrainingMixin.train_step:
            self._train_step(x, y, sample_weight)
            return None
        return _python_logs(self.train_step(_pack_batch(x, y, sample_weight)))

    def _run_test_step(self, x: Any, y: Any, sample_weight: Any) -> Logs | None:
        if type(self).test_step is TrainingMixin.test_step:
            self._test_step(x, y, sample_weight)
            return None
        return _python_logs(self.test_step(_pack_batch(x, y, sample_weight)))

    def _make_shuffle_rng(self) -> None:
        """Draw the model's own generator for the epoch permutations, once: called when the model is built.

        Drawn with the model's weights, not at its first ``fit``, so that everything random about a model is
        fixed once it is built, and several models' results do not depend on the order of their first fits.
        """
        if getattr(self, "_shuffle_rng", None) is None:
            self._shuffle_rng = make_rng(getattr(self, "seed", None))

    def _shuffle_generator(self) -> np.random.Generator:
        """The generator drawn by ``_make_shuffle_rng`` (drawn now if the model was never built)."""
        self._make_shuffle_rng()
        return self._shuffle_rng

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
            A ``History``: ``history.history`` maps 'loss', metric names and their ``val_`` versions to one value
            per epoch; ``history.epoch``; ``history.params == {'verbose', 'epochs', 'steps'}``.

        Raises:
            RuntimeError: the model is not compiled.
            ValueError: x and y of different lengths, empty data, NaN or infinity in x or y (named, with the
                first bad index), a bad ``validation_split``.

        A NaN loss does not stop training by itself (as in Keras): the epoch finishes, reports NaN, and later
        epochs continue; add ``TerminateOnNaN`` to stop at the first bad batch.

        Example::

            history = model.fit(X, y, epochs=10, batch_size=32, validation_split=0.2)
            history.history['val_loss']
        """

        self._require_compiled("fit")
        graph_checks.require_grad_mode("fit")
        verbose = _check_verbose(verbose)
        split = da.check_validation_split(validation_split)
        validation_freq = dh.check_validation_freq(validation_freq)
        if not isinstance(shuffle, (bool, np.bool_)):
            raise ValueError(f"shuffle must be True or False; received {shuffle!r}")
        if int(epochs) != epochs or int(initial_epoch) != initial_epoch or initial_epoch < 0:
            raise ValueError(f"epochs and initial_epoch must be integers >= 0; received epochs={epochs!r}, "
                             f"initial_epoch={initial_epoch!r}")
        train, validation = dh.fit_feeds(self, x, y, sample_weight, batch_size=batch_size, shuffle=bool(shuffle),
                                         class_weight=class_weight, validation_split=split,
                                         validation_data=validation_data, validation_batch_size=validation_batch_size,
                                         steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)
        self._train_state = None
        replica = current_replica()  # [distribution seam] checks the sizes, broadcasts rank 0's weights and seed
        replica.begin(self, "fit", train.sample_shape,
                      {**train.sizes("x"), **(validation.sizes("validation_data") if validation else {})})

        callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=int(epochs), steps=train.steps)
        rng = self._shuffle_generator()
        self.stop_training = False
        batch_hooks = callback_list.implements("on_train_batch_begin", "on_train_batch_end")
        batch_hooks = replica.agree(batch_hooks)  # [distribution seam] e.g. verbose=1 on rank 0 only: same steps
        callback_list.on_train_begin()
        epoch_logs: Logs = {}
        for epoch in range(int(initial_epoch), int(epochs)):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            done = 0
            step_logs = None
            for step, (x_batch, y_batch, w_batch) in enumerate(train.epoch(rng)):
                if batch_hooks:
                    callback_list.on_train_batch_begin(step)
                # [distribution seam] this process's part of the global batch (all of it in one process)
                index = replica.shard(slice(0, da.num_samples(x_batch)))
                step_logs = self._run_train_step(da.take(x_batch, index), da.take(y_batch, index),
                                                 da.take(w_batch, index))
                done += 1
                if batch_hooks:
                    callback_list.on_train_batch_end(step, step_logs if step_logs is not None else self._logs())
                    self.stop_training = replica.agree(self.stop_training)  # [distribution seam] all stop together
                if self.stop_training:
                    break
            if train.interrupted(done):
                # Stopped inside the epoch (e.g. TerminateOnNaN), or the input had no batch left: it is not
                # reported as a completed epoch.
                callback_list.on_epoch_abandoned(epoch)
                break
            epoch_logs = dict(step_logs) if step_logs is not None else self._logs()
            if validation is not None and dh.should_validate(epoch, validation_freq):
                val_logs = self._evaluate_loop(validation, callbacks=callback_list)
                epoch_logs.update({f"val_{key}": value for key, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            self.stop_training = replica.agree(self.stop_training)  # [distribution seam] all stop together
            if self.stop_training:
                break
        callback_list.on_train_end(epoch_logs)
        return callback_list.history

    # ----- evaluate / predict -------------------------------------------------------------------------------
    def _evaluate_loop(self, data: dh.Feed, callbacks: Any) -> Logs:
        """Loss and metrics over one pass of ``data`` in inference mode; fires the on_test_* hooks."""
        self.reset_metrics()
        callbacks.on_test_begin()
        replica = current_replica()  # [distribution seam]
        step_logs = None
        for step, (x_batch, y_batch, w_batch) in enumerate(data.epoch()):
            callbacks.on_test_batch_begin(step)
            index = replica.shard(slice(0, da.num_samples(x_batch)))  # [distribution seam] this process's part
            step_logs = self._run_test_step(da.take(x_batch, index), da.take(y_batch, index), da.take(w_batch, index))
            callbacks.on_test_batch_end(step, step_logs if step_logs is not None else self._logs())
        logs = dict(step_logs) if step_logs is not None else self._logs()
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

        Example::

            loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        """

        self._require_compiled("evaluate")
        verbose = _check_verbose(verbose)
        data = dh.evaluation_feed(self, x, y, sample_weight, batch_size=batch_size, steps=steps)
        current_replica().begin(self, "evaluate", data.sample_shape, data.sizes("x"))  # [distribution seam]
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

        Example::

            probabilities = model.predict(x_test, verbose=0)
        """

        verbose = _check_verbose(verbose)
        data = dh.evaluation_feed(self, x, batch_size=batch_size, steps=steps, need_y=False)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                     steps=data.steps)
        outputs = []
        callback_list.on_predict_begin()
        with no_grad():
            for step, (x_batch, _, _) in enumerate(data.epoch()):
                callback_list.on_predict_batch_begin(step)
                outputs.append(nest.map_structure(_values, self(x_batch, training=False)))
                callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError("predict: the input gave no batch to predict on")
        if not nest.is_nested(outputs[0]):
            return np.concatenate(outputs, axis=0)
        flat = [nest.flatten(batch) for batch in outputs]
        return nest.pack_like(outputs[0], [np.concatenate(parts, axis=0) for parts in zip(*flat)])

    # ----- single batches -----------------------------------------------------------------------------------
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: dict | None = None,
                       reset_metrics: bool = True, return_dict: bool = False) -> Any:
        """One gradient step on this batch; returns the loss (and metrics) of this batch, computed before the
        update.

        With ``reset_metrics=False`` the values accumulate over calls until ``reset_metrics()`` (what Keras 3
        always does; Keras 2's default, kept here, reports the batch alone).

        Example::

            loss = model.train_on_batch(x_batch, y_batch)
        """
        self._require_compiled("train_on_batch")
        graph_checks.require_grad_mode("train_on_batch")
        x, y, sample_weight = da.prepare(x, y, sample_weight, need_y=self._needs_targets(),
                                         input_shape=self.input_shape)
        label_checks.check_labels(self, x, y)
        if class_weight is not None:
            class_weights = da.class_weight_to_sample_weight(y, class_weight)
            sample_weight = class_weights if sample_weight is None else sample_weight * class_weights
        if reset_metrics:
            self.reset_metrics()
        self._train_state = None
        index = current_replica().shard_batch(self, "train_on_batch", _first_shape(x))  # [distribution seam]
        logs = self._run_train_step(da.take(x, index), da.take(y, index), da.take(sample_weight, index))
        logs = self._logs() if logs is None else logs
        return logs if return_dict else self._flatten(logs)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, reset_metrics: bool = True,
                      return_dict: bool = False) -> Any:
        """Loss and metrics on this batch in inference mode (``reset_metrics`` as in ``train_on_batch``)."""
        self._require_compiled("test_on_batch")
        x, y, sample_weight = da.prepare(x, y, sample_weight, need_y=self._needs_targets(),
                                         input_shape=self.input_shape)
        label_checks.check_labels(self, x, y)
        if reset_metrics:
            self.reset_metrics()
        index = current_replica().shard_batch(self, "test_on_batch", _first_shape(x))  # [distribution seam]
        logs = self._run_test_step(da.take(x, index), da.take(y, index), da.take(sample_weight, index))
        logs = self._logs() if logs is None else logs
        return logs if return_dict else self._flatten(logs)

    def predict_on_batch(self, x: Any) -> np.ndarray:
        """The outputs for one batch, in inference mode, without progress or callbacks."""
        x, _, _ = da.prepare(x, need_y=False, input_shape=self.input_shape)
        with no_grad():
            return nest.map_structure(_values, self(x, training=False))

    # ----- weights files ------------------------------------------------------------------------------------
    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        """Write the weights to ``filepath`` atomically: Keras 3's format for a name ending in ``.weights.h5``,
        Lamina's ``.npz`` otherwise (see ``lamina.models.weights_io``).

        Example::

            model.save_weights("model.weights.npz")
        """
        weights_io.save_model_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str) -> None:
        """Read weights written by ``save_weights`` (or Keras's ``.weights.h5``) into this built model, checking
        count and shapes first."""
        weights_io.load_model_weights(self, filepath)


def _as_list(value: Any) -> Any:
    """What compile was given, as it was given (lists stay lists, dicts stay dicts), for get_compile_config."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return value if isinstance(value, dict) else [value]


def _first_shape(x: Any) -> tuple:
    """The shape of ``x`` (the first array of a structure of several inputs)."""
    return tuple(np.shape(nest.flatten(x)[0] if nest.is_nested(x) else x))


def _values(value: Any) -> Any:
    """An output's values as an array (a Tensor's ``.data``)."""
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _batch_size(y_pred: Any) -> int:
    first = nest.flatten(y_pred)[0] if nest.is_nested(y_pred) else y_pred
    return len(first.data) if isinstance(first, Tensor) else len(first)


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` from a batch given as ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``
    (Keras's ``keras.utils.unpack_x_y_sample_weight``)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"a batch must be x, (x,), (x, y) or (x, y, sample_weight); received a tuple of {len(data)}")


def _pack_batch(x: Any, y: Any, sample_weight: Any) -> tuple:
    """The batch a custom ``train_step`` receives: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if y is None:
        return (x,)
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def _python_logs(logs: Any) -> Logs:
    """A step's returned logs as plain floats, nested dicts (``compile_metrics``'s result) flattened."""
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        raise TypeError(f"train_step / test_step must return a dict of metric values; received "
                        f"{type(logs).__name__}")
    flat: Logs = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(_python_logs(value))
        else:
            value = value.data if isinstance(value, Tensor) else value
            flat[key] = float(np.asarray(value))
    return flat
