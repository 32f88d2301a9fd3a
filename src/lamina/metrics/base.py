"""The Metric base class (state in variables), and the reductions every other metric builds on: Mean, Sum and
MeanMetricWrapper.

A metric accumulates over ``update_state(y_true, y_pred, sample_weight=None)`` calls (NumPy arrays, or Tensors
whose values are read), reports ``result()`` and starts over with ``reset_state()``. Its state lives in
``lamina.variables.Variable``s made by ``add_variable`` (or ``add_weight``), listed in ``metric.variables``,
float32 by default as in Keras. Per-sample metrics keep

    total = sum_i w_i m_i,   count = sum_i w_i   (w_i = 1 without sample weights),

so the epoch's value total / count is the sample-weighted mean whatever the batch sizes.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..tensor import Tensor
from ..utils.naming import to_snake_case
from ..variables import Variable


def as_array(value: Any, dtype: Any = None) -> np.ndarray:
    """A NumPy array of ``value`` (a Tensor's values; never a graph node)."""
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    return array if dtype is None else array.astype(dtype, copy=False)


def same_rank(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras's squeeze-or-expand for arrays: where the ranks differ by a trailing axis of 1, the operand with that
    axis loses it, unless the other is 1-D, which gains one instead."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1:] == (1,):
        if y_pred.ndim == 1:
            y_pred = y_pred[:, None]
        else:
            y_true = y_true.reshape(y_true.shape[:-1])
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1:] == (1,):
        if y_true.ndim == 1:
            y_true = y_true[:, None]
        else:
            y_pred = y_pred.reshape(y_pred.shape[:-1])
    return y_true, y_pred


def result_value(metric: "Metric") -> Any:
    """``metric.result()`` as logs hold it: a float, an array when the metric has several values (e.g. one per
    threshold), or a dict of those for a metric whose result is a dict."""
    result = metric.result()
    if isinstance(result, dict):
        return {key: _plain(value) for key, value in result.items()}
    return _plain(result)


def _plain(value: Any) -> Any:
    array = as_array(value)
    return float(array) if array.size == 1 else array.copy()


class Metric:
    """Base class of metrics, as Keras's ``keras.metrics.Metric``.

    Subclasses create their state in ``__init__`` with ``add_variable``, and implement ``update_state`` and
    ``result``. ``reset_state`` sets every variable to zero (Keras's default); ``metric(y_true, y_pred)``
    updates and returns the result.

    Args:
        name: the name in logs and history (default: the class name in snake_case).
        dtype: the dtype of the state variables (default float32).

    Example:
        >>> class Positives(Metric):
        ...     def __init__(self, name="positives", **kwargs):
        ...         super().__init__(name=name, **kwargs)
        ...         self.count = self.add_variable(shape=(), initializer="zeros", name="count")
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         self.count.assign_add(np.sum(np.asarray(y_pred) > 0.5))
        ...     def result(self):
        ...         return self.count
    """

    def __init__(self, name: str | None = None, dtype: Any = None):
        # Set through object.__setattr__: the tracking in __setattr__ needs these lists to exist first.
        object.__setattr__(self, "_variables", [])
        object.__setattr__(self, "_metrics", [])
        self.name = name or to_snake_case(type(self).__name__)
        self._dtype = np.dtype(dtype if dtype is not None else "float32")

    @property
    def dtype(self) -> str:
        return self._dtype.name

    def __setattr__(self, key: str, value: Any) -> None:
        # Sub-metrics assigned as attributes are tracked, as Keras tracks them, so their variables are reset too.
        tracked = self.__dict__.get("_metrics")
        if tracked is not None and isinstance(value, Metric) and value is not self and value not in tracked:
            tracked.append(value)
        object.__setattr__(self, key, value)

    def _check_super_called(self) -> None:
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() in __init__ before adding "
                               f"variables")

    def add_variable(self, shape: Sequence[int] | int, initializer: Any, dtype: Any = None,
                     aggregation: str = "sum", name: str | None = None) -> Variable:
        """A non-trainable state variable of this metric (``initializer``: a name such as "zeros", an
        Initializer, a callable or a value), listed in ``variables``."""
        self._check_super_called()
        shape = (int(shape),) if np.ndim(shape) == 0 and shape != () else tuple(int(d) for d in shape)
        variable = Variable("zeros" if initializer is None else initializer, shape=shape,
                            dtype=dtype if dtype is not None else self._dtype, trainable=False, name=name)
        variable.path = f"{self.name}/{name}" if name else self.name
        self._variables.append(variable)
        return variable

    def add_weight(self, shape: Sequence[int] | int = (), initializer: Any = None, dtype: Any = None,
                   name: str | None = None) -> Variable:
        """Keras's older name for ``add_variable``."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list[Variable]:
        """This metric's state variables, then those of the metrics it holds."""
        self._check_super_called()
        found = list(self._variables)
        for metric in self._metrics:
            found.extend(metric.variables)
        return found

    def reset_state(self) -> None:
        """Set every state variable to zero, as Keras does (fit calls it at each epoch's start)."""
        for variable in self.variables:
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def samplewise(values: np.ndarray, sample_weight: Any, reduce: Callable, dtype: np.dtype
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """Keras's ``reduce_to_samplewise_values``: (one value per sample, one weight per sample or None).

    Values with more axes than the weights are first reduced (``reduce``: mean or sum) over the extra axes; the
    weights are broadcast to the values; then both are reduced to one entry per sample.
    """
    values = values.astype(dtype, copy=False)
    weights = None
    if sample_weight is not None:
        weights = as_array(sample_weight, dtype)
        values, weights = same_rank(values, weights)
        if values.ndim > weights.ndim:
            values = reduce(values, axis=tuple(range(weights.ndim, values.ndim)))
        try:
            weights = np.broadcast_to(weights, values.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {weights.shape} does not match the metric's values of shape "
                             f"{values.shape}") from None
        values = values * weights
        if weights.ndim > 1:
            weights = reduce(weights, axis=tuple(range(1, weights.ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, weights


class Sum(Metric):
    """The (weighted) sum of all values seen."""

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        values, _ = samplewise(as_array(values), sample_weight, np.sum, self._dtype)
        self.total.assign_add(np.sum(values))

    def result(self) -> float:
        return float(self.total.data)


class Mean(Metric):
    """The (weighted) mean of all values seen: total / count (0 before any value)."""

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        values, weights = samplewise(as_array(values), sample_weight, np.mean, self._dtype)
        self.total.assign_add(np.sum(values))
        if weights is not None:
            self.count.assign_add(np.sum(weights))
        else:
            self.count.assign_add(values.shape[0] if values.ndim else 1)

    def result(self) -> float:
        count = self.count.data
        return float(self.total.data / count) if count else 0.0


class MeanMetricWrapper(Mean):
    """The running (weighted) mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    ``fn`` may return NumPy values or Tensors (e.g. one of ``lamina.losses``'s functions).
    """

    def __init__(self, fn: Callable[..., Any], name: str | None = None, dtype: Any = None, **kwargs: Any):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: fn must be callable; received {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        super().update_state(as_array(self.fn(as_array(y_true), as_array(y_pred), **self.fn_kwargs)), sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self.fn_kwargs}
