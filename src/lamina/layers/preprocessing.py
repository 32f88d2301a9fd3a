"""Preprocessing layers: Normalization (standardize features with statistics from ``adapt``), Discretization
(bucket values by boundaries or adapted quantiles), CategoryEncoding (integer tokens to one-/multi-hot or counts).

They follow Keras 3's definitions (checked against Keras 3.15 by tests/data/keras_ops/make_layer_fixtures.py):

    Normalization:    y = (x - mu) / max(sqrt(sigma^2), epsilon),   invert=True: x = mu + y max(sqrt(sigma^2), eps)
    Discretization:   i = number of boundaries b_k with b_k <= x   (bins [b_{k-1}, b_k), NumPy's digitize)
    CategoryEncoding: one_hot: e_i;   multi_hot: max over the sample's tokens of e_i;   count: sum of e_i

``adapt(data)`` takes an array, a Lamina tensor, or an iterable of batches (a generator, a list of arrays,
``(x, y)`` pairs: the x is used). Normalization's statistics are the biased mean and variance over every axis
but ``axis``, merged batch by batch with Keras's weighted update; Discretization summarizes the values into
about 1/epsilon weighted quantile points per batch, merges the summaries, and reads the boundaries of
``num_bins`` equal-mass bins off the merged summary by linear interpolation (Keras's approximate quantiles,
reproduced exactly).
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable, Iterator

import numpy as np

from .. import ops as _ops
from .. import settings
from ..tensor import Tensor
from .base import Layer, Shape

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


# ----- data for adapt ----------------------------------------------------------------------------------------
def _batches(data: Any, steps: int | None = None) -> Iterator[np.ndarray]:
    """``data`` as a sequence of float arrays: one array, or each batch of an iterable of batches."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray) or np.isscalar(data):
        yield np.asarray(data)
        return
    iterator = iter(data)
    first = next(iterator, None)
    if first is None:
        raise ValueError("adapt() received an empty iterable (no batches); pass an array or batches of arrays")
    if np.isscalar(first):  # a plain list of numbers is one batch of data, not batches of scalars
        yield np.asarray(list(itertools.chain([first], iterator)))
        return
    for i, batch in enumerate(itertools.chain([first], iterator)):
        if steps is not None and i >= steps:
            break
        if isinstance(batch, tuple):  # (x, y) or (x, y, sample_weight): statistics of x
            batch = batch[0]
        yield np.asarray(batch.data if isinstance(batch, Tensor) else batch)


def _check_numeric(array: np.ndarray, layer: Layer) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise TypeError(f'{type(layer).__name__} layer "{layer.name}": adapt() needs numeric data; received an '
                        f"array of dtype {array.dtype}")
    return array


# ----- Normalization -----------------------------------------------------------------------------------------
class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1 per feature, with statistics learned by ``adapt``
    or given as ``mean`` and ``variance``.

    Args:
        axis: the axis (or axes) that keep their own statistics (the features, -1 by default); every other axis
            is reduced. None: one mean and variance for all values.
        mean, variance: fixed statistics (numbers or arrays broadcastable to the kept axes) instead of adapt.
        invert: apply the inverse map, x = mean + y sqrt(variance) (to undo a normalization).

    Weights (after build, without fixed statistics): ``mean``, ``variance`` and ``count`` (Keras's three; count
    stays 0 as in Keras), all non-trainable.

    >>> layer = Normalization()
    >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
    >>> layer(np.array([[1.0, 20.0]]))
    tensor([[0., 0.]])
    """

    def __init__(self, axis: int | Iterable[int] | None = -1, mean: Any = None, variance: Any = None,
                 invert: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if axis is None:
            self.axis: tuple[int, ...] = ()
        elif isinstance(axis, (int, np.integer)):
            self.axis = (int(axis),)
        else:
            self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise self._invalid(f"give both `mean` and `variance`, or neither; received mean={mean!r}, "
                                f"variance={variance!r}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise self._invalid(f"`mean` and `variance` must have the same shape; received {np.shape(mean)} "
                                    f"and {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise self._invalid(f"`mean` has {np.ndim(mean)} axes but only {len(self.axis)} axis/axes are kept "
                                    f"(axis={self.axis})")
            if np.any(np.asarray(variance) < 0):
                raise self._invalid("`variance` must be >= 0")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self._fixed: tuple[np.ndarray, np.ndarray] | None = None

    def build(self, input_shape: Shape) -> None:
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise self._invalid(f"every `axis` must be in [-{ndim}, {ndim}) for inputs of shape {input_shape}; "
                                f"received axis={self.axis}")
        self._keep_axes = tuple(sorted(a % ndim for a in self.axis))
        for a in self._keep_axes:
            if input_shape[a] is None:
                raise self._invalid(f"axis {a} is kept (axis={self.axis}) but its size is unknown in input shape "
                                    f"{input_shape}")
        self._reduce_axes = tuple(a for a in range(ndim) if a not in self._keep_axes)
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axes else 1 for a in range(ndim))
        statistics_shape = tuple(input_shape[a] for a in self._keep_axes)
        if self.input_mean is None:
            self._add_statistic("mean", statistics_shape, "zeros")
            self._add_statistic("variance", statistics_shape, "ones")
            self._add_statistic("count", (), "zeros", dtype=np.int64)
        else:
            self._fixed = (self._expand(self.input_mean), self._expand(self.input_variance))

    def _add_statistic(self, name: str, shape: tuple[int, ...], initializer: str, dtype: Any = None) -> None:
        setattr(self, name, self.add_weight(shape=shape, initializer=initializer, trainable=False, dtype=dtype,
                                            name=name))

    def _expand(self, values: Any) -> np.ndarray:
        """Fixed statistics laid out on the kept axes (their trailing axes), broadcast to the input's rank."""
        array = np.asarray(values, dtype=self.dtype)
        shape = [1] * len(self._broadcast_shape)
        for i in range(1, array.ndim + 1):
            shape[self._keep_axes[-i]] = array.shape[-i]
        return np.broadcast_to(array.reshape(shape), self._broadcast_shape).copy()

    def _statistics(self) -> tuple[np.ndarray, np.ndarray]:
        if self._fixed is not None:
            return self._fixed
        return (self.mean.data.reshape(self._broadcast_shape), self.variance.data.reshape(self._broadcast_shape))

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Compute the mean and variance of ``data`` over the reduced axes (all batches together)."""
        if self.input_mean is not None:
            raise self._invalid("adapt() cannot be used with fixed `mean` and `variance`")
        total_mean = total_var = None
        total_count = 0
        for batch in _batches(data, steps):
            batch = _check_numeric(batch, self).astype(self.dtype, copy=False)
            if not self.built:
                self.build_for((None,) + batch.shape[1:] if batch.ndim else batch.shape)
            self._check_batch(batch)
            batch_mean = batch.mean(axis=self._reduce_axes, dtype=np.float64)  # accumulate in float64
            batch_var = batch.var(axis=self._reduce_axes, dtype=np.float64)
            batch_count = int(np.prod([batch.shape[a] for a in self._reduce_axes]))
            if total_mean is None:
                total_mean, total_var, total_count = batch_mean, batch_var, batch_count
                continue
            # Merging two groups' statistics: the new mean is the count-weighted mean; each group's variance
            # is measured about the new mean (its own variance plus its mean's squared offset).
            total_count += batch_count
            weight = batch_count / total_count
            new_mean = total_mean * (1 - weight) + batch_mean * weight
            total_var = ((total_var + (total_mean - new_mean) ** 2) * (1 - weight)
                         + (batch_var + (batch_mean - new_mean) ** 2) * weight)
            total_mean = new_mean
        # In place (weights are shared with whoever holds them), and only after every batch was accepted.
        np.copyto(self.mean.data, total_mean.reshape(self.mean.shape), casting="unsafe")
        np.copyto(self.variance.data, total_var.reshape(self.variance.shape), casting="unsafe")

    def _check_batch(self, batch: np.ndarray) -> None:
        expected = self.input_shape
        if batch.ndim != len(expected) or any(batch.shape[a] != expected[a] for a in self._keep_axes):
            raise self._invalid(f"adapt() received data of shape {batch.shape}; the layer was built for inputs of "
                                f"shape {expected} (the kept axes {self._keep_axes} must match)")

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        mean, variance = self._statistics()
        scale = np.maximum(np.sqrt(variance), np.asarray(settings.epsilon(), dtype=variance.dtype))
        if self.invert:
            return _ops.add(_ops.multiply(x, scale), mean)
        return _ops.divide(_ops.subtract(x, mean), scale)

    def get_config(self) -> dict[str, Any]:
        def listed(values: Any) -> Any:
            return None if values is None else np.asarray(values).tolist()
        return {**super().get_config(), "axis": list(self.axis), "invert": self.invert,
                "mean": listed(self.input_mean), "variance": listed(self.input_variance)}


# ----- encodings shared by Discretization and CategoryEncoding -----------------------------------------------
def encode_categorical(indices: np.ndarray, output_mode: str, depth: int, dtype: np.dtype) -> np.ndarray:
    """Integer indices encoded as Keras's ``encode_categorical_inputs``: 'int' as they are (int32);
    'one_hot' adds an axis of size ``depth`` (replacing a last axis of size 1); 'multi_hot' and 'count' fold
    the tokens of each sample (axis 1 of a batch, axis 0 of a single sample) into one row of size ``depth``."""
    if output_mode == "int":
        return indices.astype(np.int32)
    if indices.ndim == 0:
        indices = indices.reshape(1)
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        return (indices[..., None] == np.arange(depth)).astype(dtype)
    hot = indices[..., None] == np.arange(depth)
    token_axis = 1 if indices.ndim > 1 else 0
    if output_mode == "multi_hot":
        return hot.any(axis=token_axis).astype(dtype)
    return hot.sum(axis=token_axis).astype(dtype)


def _check_output_mode(layer: Layer, output_mode: str, allowed: tuple[str, ...]) -> str:
    if output_mode not in allowed:
        raise layer._invalid(f"`output_mode` must be one of {', '.join(allowed)}; received {output_mode!r}")
    return output_mode


def _refuse_sparse(layer: Layer, sparse: bool) -> None:
    if sparse:
        raise layer._invalid("sparse=True is not supported: Lamina has no sparse tensors")


# ----- Discretization ----------------------------------------------------------------------------------------
def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """About 1/epsilon evenly spaced order statistics of ``values``, each weighted by the count it stands for:
    a (2, k) array of (value, weight). With fewer values than that, every value with weight 1."""
    ordered = np.sort(values.reshape(-1))
    step = max(ordered.size * epsilon, 1)
    picked = ordered[int(step - 1)::int(step)]
    return np.stack([picked, np.full(picked.shape, step, dtype=picked.dtype)])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """A summary re-sampled at the cumulative-weight fractions epsilon, 2 epsilon, ..., 1 (by linear
    interpolation), each new point weighted by the mass since the previous one; unchanged when it already has
    fewer than 1/epsilon points."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    positions = cumulative / cumulative[-1]
    points = np.interp(fractions, positions, summary[0])
    mass = np.interp(fractions, positions, cumulative)
    return np.stack([points, np.diff(mass, prepend=0.0)]).astype(np.float32)


class Discretization(Layer):
    """Buckets values: bin i holds boundaries[i-1] <= x < boundaries[i] (bin 0 everything below the first).

    Args:
        bin_boundaries: the sorted boundaries; or
        num_bins: the number of bins, whose boundaries ``adapt`` estimates as quantiles of the data.
        epsilon: the quantile estimate's resolution (about 1/epsilon summary points per batch).
        output_mode: 'int' (the bin index, int32), 'one_hot', 'multi_hot' or 'count' (floats).

    No weights; the boundaries are configuration (``get_config``), as in Keras. Not differentiable (a step).
    """

    def __init__(self, bin_boundaries: Iterable[float] | None = None, num_bins: int | None = None,
                 epsilon: float = 0.01, output_mode: str = "int", sparse: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        _refuse_sparse(self, sparse)
        self.output_mode = _check_output_mode(self, output_mode, _OUTPUT_MODES)
        if num_bins is not None and bin_boundaries is not None:
            raise self._invalid(f"give `bin_boundaries` or `num_bins`, not both; received bin_boundaries="
                                f"{bin_boundaries!r} and num_bins={num_bins!r}")
        if num_bins is None and bin_boundaries is None:
            raise self._invalid("give either `num_bins` (then call adapt) or `bin_boundaries`")
        if num_bins is not None and (isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer))
                                     or num_bins < 1):
            raise self._invalid(f"`num_bins` must be a positive integer; received num_bins={num_bins!r}")
        if not 0 < epsilon < 1:
            raise self._invalid(f"`epsilon` must be in (0, 1); received epsilon={epsilon!r}")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        if self.bin_boundaries is not None and any(np.diff(self.bin_boundaries) < 0):
            raise self._invalid(f"`bin_boundaries` must be sorted; received {self.bin_boundaries}")
        self.num_bins = None if num_bins is None else int(num_bins)
        self.epsilon = float(epsilon)

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Estimate ``num_bins`` - 1 boundaries that split ``data`` into bins of equal mass."""
        if self.num_bins is None:
            raise self._invalid("adapt() needs `num_bins`; this layer was given fixed `bin_boundaries`")
        summary = np.zeros((2, 0), dtype=np.float32)
        for batch in _batches(data, steps):
            batch_summary = _summarize(_check_numeric(batch, self).astype(np.float32), self.epsilon)
            merged = np.concatenate([batch_summary, summary], axis=1)
            summary = _compress(merged[:, np.argsort(merged[0])], self.epsilon)  # (NumPy's default sort, as Keras)
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def _depth(self) -> int:
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if self.bin_boundaries is None:
            raise self._invalid("no bin boundaries yet: pass `bin_boundaries` or call adapt() first")
        indices = np.digitize(x.data, np.asarray(self.bin_boundaries, dtype=x.dtype))
        encoded = encode_categorical(indices, self.output_mode, self._depth(), self.dtype)
        return Tensor(encoded, dtype=encoded.dtype)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        depth = self._depth()
        if self.output_mode == "int":
            return tuple(input_shape)
        if self.output_mode == "one_hot":
            keep = input_shape[:-1] if len(input_shape) > 1 and input_shape[-1] == 1 else input_shape
            return tuple(keep) + (depth,)
        return ((input_shape[0],) + tuple(input_shape[2:]) + (depth,)) if len(input_shape) >= 2 else (depth,)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": False}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Discretization":
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            # An adapted layer has both; the constructor takes one, so the boundaries are set after it.
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = [float(b) for b in boundaries]
            return layer
        return cls(**config)


# ----- CategoryEncoding --------------------------------------------------------------------------------------
class CategoryEncoding(Layer):
    """Integer tokens in [0, num_tokens) -> a vector of size ``num_tokens`` per sample.

    Args:
        num_tokens: the number of token values.
        output_mode: 'one_hot' (one vector per token: (batch,) -> (batch, num_tokens)), 'multi_hot' (1 where a
            token occurs in the sample: (batch, k) -> (batch, num_tokens); a 1-D input is one sample) or
            'count' (how often each occurs). 'binary' is Keras's older name of 'multi_hot'.

    A token outside [0, num_tokens) is an error (Keras's TensorFlow backend drops it silently).
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot", sparse: bool = False,
                 **kwargs: Any):
        super().__init__(**kwargs)
        _refuse_sparse(self, sparse)
        if output_mode == "binary":
            output_mode = "multi_hot"
        self.output_mode = _check_output_mode(self, output_mode, ("one_hot", "multi_hot", "count"))
        if num_tokens is None or isinstance(num_tokens, bool) or not isinstance(num_tokens, (int, np.integer)) \
                or num_tokens < 1:
            raise self._invalid(f"`num_tokens` must be a positive integer; received num_tokens={num_tokens!r}")
        self.num_tokens = int(num_tokens)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        values = x.data
        if values.size and (not np.all(np.mod(values, 1) == 0) or values.min() < 0
                            or values.max() >= self.num_tokens):
            raise self._invalid(f"inputs must be integer tokens in [0, {self.num_tokens - 1}]; received values "
                                f"from {values.min()} to {values.max()}")
        encoded = encode_categorical(values.astype(np.int64), self.output_mode, self.num_tokens, self.dtype)
        return Tensor(encoded, dtype=encoded.dtype)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return tuple(input_shape) + (self.num_tokens,)
        return tuple(input_shape[:-1]) + (self.num_tokens,)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}
