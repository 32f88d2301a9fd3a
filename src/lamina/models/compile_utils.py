"""What ``compile`` turns its arguments into: a loss per output and the metrics of each output.

A model with one output takes a loss, a list of metrics and plain targets. A model with several outputs (Keras's
rules, measured on Keras 3.15):
- ``loss`` is one loss for every output, a list (one per output, None for an output without loss) or a dict
  keyed by output name; ``loss_weights`` likewise (default 1 each); the training loss is
  ``sum_k loss_weight_k * loss_k(y_k, y_hat_k)`` plus the regularization penalties;
- ``metrics`` is a list with one list per output, or a dict keyed by output name (a flat list is an error);
- ``y`` is a list in output order or a dict keyed by output name;
- the logs hold ``loss`` and, per output, ``<name>_loss`` and ``<name>_<metric>``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module


class RunningMean:
    """A running mean weighted by batch size (the epoch loss as Keras reports it), with a metric's interface."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0.0
        self.count = 0

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0

    def update_state(self, value: Any, sample_weight: int = 1) -> None:
        if not isinstance(value, float):
            value = float(np.asarray(getattr(value, "data", value)))
        self.total += value * sample_weight
        self.count += sample_weight

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return f"<RunningMean name={self.name}, result={self.result():.4f}>"


def _by_name(value: dict, names: Sequence[str], what: str, default: Any = None) -> list[Any]:
    """A dict keyed by output name as one entry per output (``default`` for an output it does not name)."""
    unknown = sorted(set(value) - set(names))
    if unknown:
        raise ValueError(f"{what} has key(s) {unknown}, which are not outputs of the model; its outputs are "
                         f"{list(names)}")
    return [value.get(name, default) for name in names]


def _per_output(value: Any, names: Sequence[str], what: str, default: Any, allow_broadcast: bool) -> list[Any]:
    """``value`` as one entry per output: from a single value, a list in output order, or a dict by name."""
    count = len(names)
    if isinstance(value, dict):
        return _by_name(value, names, f"compile: {what}", default)
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(f"compile: {what} is a list of {len(value)} entries, but the model has {count} "
                             f"output(s) {list(names)}")
        return list(value)
    if value is None:
        return [default] * count
    if count == 1 or allow_broadcast:
        return [value] * count
    raise ValueError(f"compile: {what} must be a list or a dict keyed by output name {list(names)}")


class CompiledLoss:
    """The loss of each output, their weights, and a running mean of each output's loss (several outputs)."""

    def __init__(self, loss: Any, loss_weights: Any, output_names: Sequence[str]):
        self.output_names = list(output_names)
        self.functions = [None if item is None else losses_module.get(item)
                          for item in _per_output(loss, self.output_names, "loss", None, allow_broadcast=True)]
        if all(fn is None for fn in self.functions):
            self.functions = []
        weights = _per_output(loss_weights, self.output_names, "loss_weights", 1.0, allow_broadcast=False)
        self.weights = [float(w) for w in weights]
        self.trackers = ([RunningMean(f"{name}_loss") for name in self.output_names]
                         if len(self.output_names) > 1 else [])

    @property
    def single(self) -> Any:
        """The loss function when there is one output (the fast path), else None."""
        return self.functions[0] if len(self.functions) == 1 and len(self.output_names) == 1 else None

    def __call__(self, y: list[Any], y_pred: list[Any], sample_weight: Any, batch_size: int, track: bool) -> Any:
        """The weighted sum of the outputs' losses (a Tensor); updates the per-output means when ``track``."""
        total = None
        for k, (fn, weight) in enumerate(zip(self.functions, self.weights)):
            if fn is None:
                continue
            if y[k] is None:
                raise ValueError(f'the loss of output "{self.output_names[k]}" needs targets, but y has none for it')
            value = fn(y[k], y_pred[k]) if sample_weight is None else fn(y[k], y_pred[k], sample_weight=sample_weight)
            if track and self.trackers:
                self.trackers[k].update_state(float(value.data), batch_size)
            term = value if weight == 1.0 else value * weight
            total = term if total is None else total + term
        return total


class CompiledMetrics:
    """Every compiled metric, per output, updated together (Keras's ``compile_metrics``)."""

    name = "compile_metrics"

    def __init__(self, metrics: Any, weighted_metrics: Any, output_names: Sequence[str],
                 loss_functions: Sequence[Any]):
        self.output_names = list(output_names)
        multi = len(self.output_names) > 1
        self.entries: list[tuple[int, str, Any, bool]] = []  # (output, log key, metric, weighted)
        for given, weighted, what in ((metrics, False, "metrics"), (weighted_metrics, True, "weighted_metrics")):
            per_output = self._structure(given, what)
            for k, items in enumerate(per_output):
                loss_fn = loss_functions[k] if k < len(loss_functions) else None
                for item in items or []:
                    metric = metrics_module.get(item, loss=loss_fn)
                    key = f"{self.output_names[k]}_{metric.name}" if multi else metric.name
                    self.entries.append((k, key, metric, weighted))

    def _structure(self, given: Any, what: str) -> list[list[Any]]:
        names = self.output_names
        if given is None:
            return [[] for _ in names]
        if isinstance(given, dict):
            per = _per_output(given, names, what, None, allow_broadcast=False)
            return [[] if item is None else (list(item) if isinstance(item, (list, tuple)) else [item])
                    for item in per]
        if not isinstance(given, (list, tuple)):
            given = [given]
        if len(names) == 1:
            if len(given) == 1 and isinstance(given[0], (list, tuple)):
                return [list(given[0])]
            return [list(given)]
        if len(given) == len(names) and all(item is None or isinstance(item, (list, tuple)) for item in given):
            return [[] if item is None else list(item) for item in given]
        raise ValueError(f"Invalid `{what}`: for a model with several outputs {list(names)}, `{what}` must be a "
                         f"dict keyed by output name or a list with one list of metrics per output; received "
                         f"{what}={given!r}")

    @property
    def metrics(self) -> list[Any]:
        return [metric for _, _, metric, _ in self.entries]

    def __bool__(self) -> bool:
        return bool(self.entries)

    def update_state(self, y: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Update every metric; ``y`` / ``y_pred`` are lists in output order (a single output may be bare)."""
        if not isinstance(y_pred, list):
            y, y_pred = [y], [y_pred]
        for k, _, metric, weighted in self.entries:
            if weighted:
                metric.update_state(y[k], y_pred[k], sample_weight=sample_weight)
            else:
                metric.update_state(y[k], y_pred[k])

    def result(self) -> dict[str, Any]:
        """Each metric's result under its log key; a metric whose result is a dict adds its own keys."""
        results: dict[str, Any] = {}
        multi = len(self.output_names) > 1
        for k, key, metric, _ in self.entries:
            value = metrics_module.result_value(metric)
            if isinstance(value, dict):
                prefix = f"{self.output_names[k]}_" if multi else ""
                results.update({f"{prefix}{name}": item for name, item in value.items()})
            else:
                results[key] = value
        return results

    def reset_state(self) -> None:
        for metric in self.metrics:
            metric.reset_state()


def flatten_targets(y: Any, output_names: Sequence[str], what: str = "y") -> list[Any]:
    """Targets as one entry per output, from an array (one output), a list in output order, or a dict by name."""
    count = len(output_names)
    if isinstance(y, dict):
        return _by_name(y, output_names, what)
    if count == 1:
        if isinstance(y, (list, tuple)) and len(y) == 1 and not np.isscalar(y[0]) and np.ndim(y[0]) > 0 \
                and isinstance(y[0], np.ndarray):
            return [y[0]]
        return [y]
    if isinstance(y, (list, tuple)) and len(y) == count:
        return list(y)
    raise ValueError(f"{what} must be a list of {count} arrays (one per output {list(output_names)}) or a dict keyed "
                     f"by output name; received {type(y).__name__}"
                     + (f" of length {len(y)}" if isinstance(y, (list, tuple)) else ""))
