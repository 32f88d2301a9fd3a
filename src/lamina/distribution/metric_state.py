"""The additive state of the metrics: what is summed over processes so that every process reports the metric of
the whole data.

Every metric Lamina reports keeps sums, not averages: a mean keeps ``total = sum_i w_i m_i`` and
``count = sum_i w_i``; precision and recall keep the counts of true positives, false positives and false
negatives. Sums over disjoint shards add up to the sums over the whole data, so

    result_global = f(sum over processes p of state_p)

is exactly the number one process would report on all the data (up to float rounding of the sums). A metric
class of your own joins in by naming its additive attributes in ``distributed_state``, e.g.
``distributed_state = ("total", "count")``.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

# Attribute names of the additive state of Lamina's metric classes, looked up by class name along the MRO so that
# this module need not import the metrics (nor the training loop, where the loss average lives).
_KNOWN_STATE = {
    "RunningMean": ("total", "count"),  # the loss averages of the training loop
}
# Wrappers that delegate to a metric chosen at the first update (Keras's 'accuracy').
_WRAPPED_ATTRIBUTE = "_metric"


def _state_names(metric: Any) -> tuple[str, ...] | None:
    declared = getattr(metric, "distributed_state", None)
    if declared is not None:
        return tuple(declared)
    if hasattr(metric, "add_variable") and metric.variables:
        return ()  # a keras.metrics.Metric: its state is its variables (see _slots)
    for cls in type(metric).__mro__:
        if cls.__name__ in _KNOWN_STATE:
            return _KNOWN_STATE[cls.__name__]
    return None


def _slots(metric: Any) -> Iterator[tuple[Any, str]]:
    """(object, attribute) of each additive number or array, in a fixed order."""
    names = _state_names(metric)
    if names == () and hasattr(metric, "add_variable"):
        # Keras's metrics keep their state in variables, and every one of Keras's metrics (and Lamina's) keeps
        # sums there (totals, counts, confusion-matrix cells): summing each variable over processes is exact.
        for variable in metric.variables:
            yield variable, "data"
        return
    if names is not None:
        for name in names:
            yield metric, name
        return
    if hasattr(metric, _WRAPPED_ATTRIBUTE):
        inner = getattr(metric, _WRAPPED_ATTRIBUTE)
        if inner is None:
            raise RuntimeError(f"metric {getattr(metric, 'name', metric)!r} has not seen a batch on this process, so "
                               f"its kind is still unknown; every process must see data before metrics are reduced")
        yield from _slots(inner)
        return
    raise TypeError(f"metric {getattr(metric, 'name', metric)!r} ({type(metric).__name__}) cannot be summed over "
                    f"processes: Lamina does not know which of its attributes are totals. Give its class a "
                    f"`distributed_state` tuple naming them, e.g. distributed_state = ('total', 'count').")


def check_reducible(metrics: list[Any]) -> None:
    """Raise TypeError now (before training starts) for a metric whose state is unknown."""
    for metric in metrics:
        if _state_names(metric) is None and not hasattr(metric, _WRAPPED_ATTRIBUTE):
            list(_slots(metric))  # raises, naming the metric


class MetricState:
    """The additive state of a list of metrics as one float64 vector, readable and writable."""

    def __init__(self, metrics: list[Any]) -> None:
        self._slots = [slot for metric in metrics for slot in _slots(metric)]
        self._shapes = [np.shape(getattr(owner, name)) for owner, name in self._slots]
        self._sizes = [int(np.prod(shape)) for shape in self._shapes]

    def originals(self) -> list[Any]:
        """The attribute values themselves, for ``restore``."""
        return [getattr(owner, name) for owner, name in self._slots]

    def restore(self, originals: list[Any]) -> None:
        for (owner, name), value in zip(self._slots, originals):
            setattr(owner, name, value)

    def read(self) -> np.ndarray:
        """The current values, concatenated (a fresh array)."""
        if not self._slots:
            return np.zeros(0)
        return np.concatenate([np.asarray(getattr(owner, name), dtype=np.float64).reshape(-1)
                               for owner, name in self._slots])

    def write(self, vector: np.ndarray) -> None:
        """Put ``vector`` (laid out as ``read`` gives it) back into the metrics' attributes."""
        offset = 0
        for (owner, name), shape, size in zip(self._slots, self._shapes, self._sizes):
            part = vector[offset:offset + size]
            offset += size
            if name == "data":  # a variable: its values stay an array of its own dtype
                setattr(owner, name, part.reshape(shape).astype(owner.data.dtype))
            else:
                setattr(owner, name, float(part[0]) if shape == () else part.reshape(shape).copy())
