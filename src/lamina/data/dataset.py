"""``Dataset``: tf.data's input pipelines on NumPy, for ``fit`` and for Python loops.

A Dataset is a recipe: nothing is read or computed until it is iterated, and every iteration (``for``, ``iter``,
each epoch of ``fit``) starts again from the sources. Elements are NumPy arrays, or tuples / dicts of them
(see ``structure.py``); a mapped function may return Lamina tensors, which ``batch`` stacks into arrays.

Example:
    >>> import lamina as tf
    >>> x_train, y_train = np.random.default_rng(0).normal(size=(512, 8)).astype(np.float32), np.arange(512) % 2
    >>> def augment(x, y):
    ...     return x + np.random.default_rng().normal(0, 0.01, x.shape).astype(np.float32), y
    >>> ds = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
    ...       .shuffle(10_000, seed=0).map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    ...       .batch(128).prefetch(tf.data.AUTOTUNE))
    >>> model = tf.keras.Sequential([tf.keras.Input((8,)), tf.keras.layers.Dense(2, activation="softmax")])
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    >>> history = model.fit(ds, epochs=5, verbose=0)
    >>> len(history.history["loss"])
    5
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from ..random import make_rng
from . import sources, transforms
from .shuffle import Shuffle
from .structure import (
    AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Cardinality, TensorSpec, as_numpy, flatten, pack_like,
)
from .threads import AUTOTUNE_PREFETCH, resolve_parallelism

_UNSET = object()


class Dataset:
    """A sequence of elements built from sources and transformations (``tf.data.Dataset``'s interface)."""

    def __init__(self, node: Any) -> None:
        self._node = node
        self._spec: Any = _UNSET

    # ----- sources ------------------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> "Dataset":
        """One element per row: element i is ``tensors[i]``, or ``(x[i], y[i])`` / ``{"a": a[i], ...}`` for
        tuples and dicts (nested to any depth). A Python list is one array, as in tf.data.

        Example:
            >>> Dataset.from_tensor_slices((np.zeros((100, 28, 28)), np.arange(100))).cardinality()
            100
        """
        return Dataset(sources.TensorSlices(tensors))

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> "Dataset":
        """A dataset of one element: ``tensors`` itself."""
        return Dataset(sources.Tensors(tensors))

    @staticmethod
    def from_generator(generator: Callable[..., Any], output_types: Any = None, output_shapes: Any = None,
                       args: tuple[Any, ...] | None = None, output_signature: Any = None,
                       name: str | None = None) -> "Dataset":
        """Elements from ``generator(*args)``, a callable called again at every iteration.

        ``output_signature`` (a TensorSpec, or a tuple / dict of them) declares each element: yielded values are
        converted to its dtypes and checked against its shapes (None: any size). The older ``output_types``
        (with optional ``output_shapes``) are accepted too.

        Example:
            >>> def pairs():
            ...     for i in range(3):
            ...         yield np.full(2, i, np.float32), i
            >>> ds = Dataset.from_generator(pairs, output_signature=(TensorSpec((2,), "float32"),
            ...                                                       TensorSpec((), "int32")))
            >>> ds.element_spec
            (TensorSpec(shape=(2,), dtype=float32, name=None), TensorSpec(shape=(), dtype=int32, name=None))
            >>> [(x.tolist(), int(label)) for x, label in ds.as_numpy_iterator()]
            [([0.0, 0.0], 0), ([1.0, 1.0], 1), ([2.0, 2.0], 2)]
        """
        if output_signature is None:
            if output_types is None:
                raise TypeError("from_generator needs output_signature (a TensorSpec or a tuple/dict of them) "
                                "describing the elements; received neither it nor output_types")
            output_signature = _signature_from_types(output_types, output_shapes)
        elif output_types is not None or output_shapes is not None:
            raise TypeError("from_generator: give output_signature alone, not with output_types/output_shapes")
        return Dataset(sources.FromGenerator(generator, output_signature, tuple(args or ())))

    @staticmethod
    def range(*args: int, dtype: Any = np.int64, name: str | None = None) -> "Dataset":
        """``range(stop)``, ``range(start, stop)`` or ``range(start, stop, step)`` as scalars of ``dtype``."""
        return Dataset(sources.Range(args, dtype))

    @staticmethod
    def zip(*datasets: Any, name: str | None = None) -> "Dataset":
        """Datasets iterated together: ``zip(a, b)`` or ``zip((a, b))`` gives ``(a_i, b_i)``, ``zip({"x": a,
        "y": b})`` gives dicts; it ends with the shortest."""
        structure = datasets[0] if len(datasets) == 1 and not isinstance(datasets[0], Dataset) else datasets
        members = flatten(structure)
        if not members or not all(isinstance(member, Dataset) for member in members):
            raise TypeError(f"Dataset.zip takes Datasets, or a tuple/dict of Datasets; received "
                            f"{[type(m).__name__ for m in members]}")
        return Dataset(sources.Zip(pack_like(structure, [member._node for member in members])))

    # ----- transformations ----------------------------------------------------------------------------------
    def map(self, map_func: Callable[..., Any], num_parallel_calls: int | None = None,
            deterministic: bool | None = None, name: str | None = None) -> "Dataset":
        """``map_func`` applied to every element (a tuple element is spread over its arguments).

        With ``num_parallel_calls`` (a number of threads, or ``AUTOTUNE``: one per core) the calls run on a
        thread pool; outputs keep the input order unless ``deterministic=False``. A function that draws random
        numbers from a shared generator sees them in thread order, so for bit-for-bit reproducible random
        augmentation leave ``num_parallel_calls`` unset (the shuffle order is reproducible either way).

        Example:
            >>> ds = Dataset.from_tensor_slices((np.array([0.0, 51.0, 255.0]), np.arange(3)))
            >>> [float(x) for x, y in ds.map(lambda x, y: (x / 255.0, y), num_parallel_calls=AUTOTUNE)]
            [0.0, 0.2, 1.0]
        """
        parallelism = _check_parallel_calls(num_parallel_calls)
        return Dataset(transforms.Map(self._node, map_func, parallelism, deterministic is not False))

    def filter(self, predicate: Callable[..., Any], name: str | None = None) -> "Dataset":
        """The elements for which ``predicate`` returns True (a scalar bool)."""
        return Dataset(transforms.Filter(self._node, predicate))

    def batch(self, batch_size: int, drop_remainder: bool = False, num_parallel_calls: int | None = None,
              deterministic: bool | None = None, name: str | None = None) -> "Dataset":
        """Consecutive elements stacked into batches of ``batch_size`` (the last one smaller unless
        ``drop_remainder``). ``num_parallel_calls`` is accepted and unused: stacking is one NumPy call."""
        return Dataset(transforms.Batch(self._node, batch_size, drop_remainder))

    def unbatch(self, name: str | None = None) -> "Dataset":
        """The inverse of ``batch``: each element split along its first axis."""
        return Dataset(transforms.Unbatch(self._node))

    def shuffle(self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool | None = None,
                name: str | None = None) -> "Dataset":
        """Elements in random order, drawn from a buffer of ``buffer_size`` (tf.data's algorithm: see
        ``shuffle.py``). A buffer at least the dataset's size shuffles it uniformly.

        Args:
            buffer_size: elements held in the buffer (>= 1).
            seed: the order's seed; without one it comes from Lamina's generator (``set_random_seed``).
            reshuffle_each_iteration: a different order at every iteration (default True).
        """
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, (int, np.integer)) or buffer_size < 1:
            raise ValueError(f"shuffle: buffer_size must be a positive integer; received {buffer_size!r}")
        if seed is None:
            seed = int(make_rng().integers(2**63))
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"shuffle: seed must be a non-negative integer or None; received {seed!r}")
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return Dataset(Shuffle(self._node, int(buffer_size), int(seed), reshuffle))

    def repeat(self, count: int | None = None, name: str | None = None) -> "Dataset":
        """The dataset ``count`` times (forever when None or -1); each pass is a new iteration."""
        return Dataset(transforms.Repeat(self._node, count))

    def take(self, count: int, name: str | None = None) -> "Dataset":
        """The first ``count`` elements (-1: all)."""
        return Dataset(transforms.Take(self._node, count))

    def skip(self, count: int, name: str | None = None) -> "Dataset":
        """All but the first ``count`` elements (-1: none)."""
        return Dataset(transforms.Skip(self._node, count))

    def cache(self, filename: str = "", name: str | None = None) -> "Dataset":
        """Keep the elements of the first complete iteration in memory and replay them afterwards (put it after
        the expensive, deterministic steps and before ``shuffle``)."""
        if filename:
            raise NotImplementedError(f"cache(filename={filename!r}): Lamina caches in memory only; call "
                                      f"cache() without a filename")
        return Dataset(transforms.Cache(self._node))

    def prefetch(self, buffer_size: int, name: str | None = None) -> "Dataset":
        """Prepare up to ``buffer_size`` elements ahead on a background thread (``AUTOTUNE``: 2), so that the
        pipeline runs while the consumer (the training step) works."""
        if buffer_size == AUTOTUNE:
            buffer_size = AUTOTUNE_PREFETCH
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, (int, np.integer)) or buffer_size < 0:
            raise ValueError(f"prefetch: buffer_size must be an integer >= 0 or AUTOTUNE; received "
                             f"{buffer_size!r}")
        return Dataset(transforms.Prefetch(self._node, int(buffer_size)))

    def concatenate(self, dataset: "Dataset", name: str | None = None) -> "Dataset":
        """This dataset's elements followed by those of ``dataset`` (same structure and dtypes)."""
        if not isinstance(dataset, Dataset):
            raise TypeError(f"concatenate takes a Dataset; received {type(dataset).__name__}")
        return Dataset(sources.Concatenate(self._node, dataset._node))

    def enumerate(self, start: int = 0, name: str | None = None) -> "Dataset":
        """``(index, element)`` pairs, counting from ``start``."""
        return Dataset.zip(Dataset.range(start, 2**62), self)

    def apply(self, transformation_func: Callable[["Dataset"], "Dataset"]) -> "Dataset":
        """``transformation_func(self)``, for chaining a function that transforms datasets."""
        result = transformation_func(self)
        if not isinstance(result, Dataset):
            raise TypeError(f"apply: the function must return a Dataset; it returned {type(result).__name__}")
        return result

    # ----- consuming --------------------------------------------------------------------------------------
    def __iter__(self) -> "DatasetIterator":
        return DatasetIterator(self._node.iterate(), self)

    def as_numpy_iterator(self) -> Iterator[Any]:
        """The elements with every leaf as NumPy (a mapped function's Lamina tensors become arrays)."""
        return (as_numpy(element) for element in self)

    def cardinality(self) -> Cardinality:
        """The number of elements, or ``INFINITE_CARDINALITY`` (-1) / ``UNKNOWN_CARDINALITY`` (-2), by
        tf.data's rules (``filter``, ``unbatch`` and generators make it unknown)."""
        return Cardinality(self._node.cardinality())

    @property
    def element_spec(self) -> Any:
        """The structure of ``TensorSpec`` objects of an element (None in a shape: varies, e.g. a last short batch).
        After ``map`` it is read from the function's output on the first element."""
        if self._spec is _UNSET:
            self._spec = self._node.element_spec()
        return self._spec

    def __len__(self) -> int:
        count = self._node.cardinality()
        if count == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if count == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return count

    def __bool__(self) -> bool:
        return True  # __len__ would raise for infinite datasets, and a recipe is never "empty" until run

    def __repr__(self) -> str:
        try:
            spec = repr(self.element_spec)
        except Exception as error:  # noqa: BLE001 - a repr must not raise
            spec = f"<unavailable: {type(error).__name__}>"
        return f"<{self._node.name} element_spec={spec}>"


class DatasetIterator:
    """An iteration over a Dataset: ``next(it)``, ``it.get_next()``; ``close()`` (or dropping it) stops any
    background threads at once."""

    def __init__(self, iterator: Iterator[Any], dataset: Dataset) -> None:
        self._iterator = iterator
        self._dataset = dataset

    def __iter__(self) -> "DatasetIterator":
        return self

    def __next__(self) -> Any:
        return next(self._iterator)

    def get_next(self) -> Any:
        return next(self._iterator)

    @property
    def element_spec(self) -> Any:
        return self._dataset.element_spec

    def close(self) -> None:
        sources.close_iterator(self._iterator)

    def __enter__(self) -> "DatasetIterator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _check_parallel_calls(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or (value < 1 and value != AUTOTUNE):
        raise ValueError(f"map: num_parallel_calls must be None, a positive integer or AUTOTUNE; received "
                         f"{value!r}")
    return resolve_parallelism(int(value))


def _signature_from_types(types: Any, shapes: Any) -> Any:
    if isinstance(types, (tuple, list)):
        shapes = shapes if shapes is not None else [None] * len(types)
        return tuple(_signature_from_types(t, s) for t, s in zip(types, shapes))
    if isinstance(types, dict):
        shapes = shapes if shapes is not None else {key: None for key in types}
        return {key: _signature_from_types(types[key], shapes[key]) for key in types}
    return TensorSpec(shapes, types)
