"""``tf.data`` under ``import lamina as tf``: the in-memory part of ``tf.data.Dataset`` that training loops use.

TensorFlow's guides feed their loops with ``tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1024).batch(32)``
and iterate over it. Lamina has the same pipeline over NumPy arrays held in memory: ``from_tensor_slices``
(arrays, or tuples / dicts of them), ``shuffle``, ``batch``, ``take``, ``skip``, ``repeat``, ``map``, ``prefetch``
(nothing to do: there is no background work), ``cardinality`` / ``len``, ``as_numpy_iterator``. Iterating yields
Lamina tensors, in the element's structure (a tuple stays a tuple), as TensorFlow yields its tensors.

``shuffle(buffer_size)`` is TensorFlow's buffered shuffle: the first ``buffer_size`` elements fill a buffer, and
each step hands out a random element of the buffer and puts the next element of the input in its place; a buffer
as large as the data set gives a uniform permutation. It draws a new order every pass unless
``reshuffle_each_iteration=False``.

Files, generators, interleaving, caching and the rest of ``tf.data`` are not here: the names raise an
AttributeError saying so.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from .dtypes import to_tensor
from .random import make_rng
from .tensor import Tensor
from .utils import nest

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class Dataset:
    """A finite (or repeated) sequence of elements, each a structure of arrays; see the module docstring.

    Example:
        >>> dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(1024).batch(32)
        >>> for step, (x_batch, y_batch) in enumerate(dataset): ...
    """

    def __init__(self, make_iterator: Callable[[], Iterator[Any]], cardinality: int):
        self._make_iterator = make_iterator
        self._cardinality = int(cardinality)

    # ----- sources ----------------------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> "Dataset":
        """One element per index of the first axis of every array in ``tensors`` (an array, a tuple / list / dict
        of arrays); all must have the same length."""
        arrays = nest.map_structure(_as_array, tensors)
        leaves = nest.flatten(arrays) if nest.is_nested(arrays) else [arrays]
        if not leaves or any(leaf.ndim == 0 for leaf in leaves):
            raise ValueError("Dataset.from_tensor_slices needs arrays with at least one axis to slice along; "
                             f"received shapes {[leaf.shape for leaf in leaves]}")
        lengths = {len(leaf) for leaf in leaves}
        if len(lengths) != 1:
            raise ValueError(f"Dataset.from_tensor_slices: all arrays must have the same length along the first "
                             f"axis; received shapes {[leaf.shape for leaf in leaves]}")
        n = lengths.pop()

        def slices() -> Iterator[Any]:
            for i in range(n):
                yield nest.map_structure(lambda a: a[i], arrays)

        return Dataset(slices, n)

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> "Dataset":
        """A data set of one element: ``tensors`` itself."""
        arrays = nest.map_structure(_as_array, tensors)
        return Dataset(lambda: iter([arrays]), 1)

    @staticmethod
    def range(*args: int, **kwargs: Any) -> "Dataset":
        """The integers of ``range(*args)``, as TensorFlow's ``Dataset.range``."""
        values = np.arange(*args, dtype=np.int64)
        return Dataset.from_tensor_slices(values)

    # ----- transformations --------------------------------------------------------------------------------------
    def batch(self, batch_size: int, drop_remainder: bool = False, num_parallel_calls: Any = None,
              deterministic: Any = None, name: str | None = None) -> "Dataset":
        """Consecutive elements stacked into batches of ``batch_size`` (the last one smaller unless
        ``drop_remainder``)."""
        size = _positive_int(batch_size, "batch_size")

        def batches() -> Iterator[Any]:
            group: list[Any] = []
            for element in self._make_iterator():
                group.append(element)
                if len(group) == size:
                    yield _stack(group)
                    group = []
            if group and not drop_remainder:
                yield _stack(group)

        if self._cardinality < 0:
            count = self._cardinality
        else:
            count = self._cardinality // size if drop_remainder else -(-self._cardinality // size)
        return Dataset(batches, count)

    def shuffle(self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True,
                name: str | None = None) -> "Dataset":
        """TensorFlow's buffered shuffle (see the module docstring)."""
        size = _positive_int(buffer_size, "buffer_size")
        rng = make_rng(seed)
        first_state = rng.bit_generator.state

        def shuffled() -> Iterator[Any]:
            if not reshuffle_each_iteration:
                rng.bit_generator.state = first_state
            buffer: list[Any] = []
            for element in self._make_iterator():
                if len(buffer) < size:
                    buffer.append(element)
                    continue
                index = int(rng.integers(len(buffer)))
                yield buffer[index]
                buffer[index] = element
            while buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))

        return Dataset(shuffled, self._cardinality)

    def take(self, count: int, name: str | None = None) -> "Dataset":
        """The first ``count`` elements (all of them for -1)."""
        count = int(count)
        if count < 0:
            return self

        def taken() -> Iterator[Any]:
            for i, element in enumerate(self._make_iterator()):
                if i >= count:
                    return
                yield element

        if self._cardinality == INFINITE_CARDINALITY:
            total = count
        else:
            total = min(count, self._cardinality) if self._cardinality >= 0 else UNKNOWN_CARDINALITY
        return Dataset(taken, total)

    def skip(self, count: int, name: str | None = None) -> "Dataset":
        """All but the first ``count`` elements."""
        count = max(int(count), 0)

        def rest() -> Iterator[Any]:
            for i, element in enumerate(self._make_iterator()):
                if i >= count:
                    yield element

        return Dataset(rest, max(self._cardinality - count, 0) if self._cardinality >= 0 else self._cardinality)

    def repeat(self, count: int | None = None, name: str | None = None) -> "Dataset":
        """The data set ``count`` times over (for ever when None or -1), shuffled anew each pass."""
        forever = count is None or int(count) < 0

        def repeated() -> Iterator[Any]:
            done = 0
            while forever or done < int(count):
                yield from self._make_iterator()
                done += 1

        total = INFINITE_CARDINALITY if forever else \
            (self._cardinality * int(count) if self._cardinality >= 0 else self._cardinality)
        return Dataset(repeated, total)

    def map(self, map_func: Callable[..., Any], num_parallel_calls: Any = None, deterministic: Any = None,
            name: str | None = None) -> "Dataset":
        """``map_func`` applied to each element (a tuple element is passed as separate arguments, as TensorFlow
        does)."""

        def mapped() -> Iterator[Any]:
            for element in self:
                result = map_func(*element) if isinstance(element, tuple) else map_func(element)
                yield nest.map_structure(_as_array, result)

        return Dataset(mapped, self._cardinality)

    def prefetch(self, buffer_size: Any = None, name: str | None = None) -> "Dataset":
        """The same data set (Lamina prepares nothing in the background)."""
        return self

    def cache(self, filename: str = "", name: str | None = None) -> "Dataset":
        """The same data set (its elements are in memory already)."""
        return self

    # ----- reading --------------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        for element in self._make_iterator():
            yield nest.map_structure(to_tensor, element)

    def as_numpy_iterator(self) -> Iterator[Any]:
        """The elements as NumPy arrays."""
        return self._make_iterator()

    def cardinality(self) -> int:
        """The number of elements; -1 for a repeated-for-ever data set."""
        return self._cardinality

    def __len__(self) -> int:
        if self._cardinality < 0:
            raise TypeError("The dataset is infinite or of unknown length; len() needs a finite data set")
        return self._cardinality

    def __repr__(self) -> str:
        return f"<Dataset cardinality={self._cardinality}>"


def _as_array(value: Any) -> np.ndarray:
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def _stack(elements: list[Any]) -> Any:
    if not nest.is_nested(elements[0]):
        return np.stack(elements)
    flat = [nest.flatten(element) for element in elements]
    return nest.pack_like(elements[0], [np.stack(parts) for parts in zip(*flat)])


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(f"Dataset: {name} must be a positive integer; received {value!r}")
    return int(value)


def __getattr__(name: str) -> Any:
    from .tf_compat import not_implemented

    raise not_implemented("tf.data", name)
