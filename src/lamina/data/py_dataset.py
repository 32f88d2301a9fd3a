"""``keras.utils.PyDataset`` (alias ``Sequence``): batches computed by Python code, indexed by batch number.

A subclass implements ``__len__`` (the number of batches; or the ``num_batches`` property, None for an endless
dataset) and ``__getitem__(index)`` (batch ``index``, as ``x``, ``(x, y)`` or ``(x, y, sample_weight)``), and
optionally ``on_epoch_begin`` / ``on_epoch_end``. ``fit`` visits the batches in a new order every epoch when
``shuffle`` (the model's seeded generator decides it), calling the hooks around each epoch; with ``workers > 1``
a thread pool computes the next batches while the model trains.

Example:
    >>> import math
    >>> from lamina import keras
    >>> class Batches(keras.utils.PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return math.ceil(len(self.x) / self.batch_size)
    ...     def __getitem__(self, index):
    ...         part = slice(index * self.batch_size, (index + 1) * self.batch_size)
    ...         return self.x[part], self.y[part]
    >>> x, y = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32), np.arange(200) % 3
    >>> len(Batches(x, y, 64))
    4
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    >>> history = model.fit(Batches(x, y, 64, workers=2), epochs=3, verbose=0)
    >>> len(history.history["loss"])
    3
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any, Iterator


class PyDataset:
    """Base class of index-addressed batch datasets (Keras 3's ``PyDataset``).

    Args:
        workers: threads that compute batches ahead during ``fit`` / ``evaluate`` / ``predict`` (1: none, the
            batches are computed in the training loop).
        use_multiprocessing: accepted for Keras compatibility; Lamina uses threads (NumPy releases the GIL in
            its heavy loops), and warns that processes are not used.
        max_queue_size: accepted for Keras compatibility (the threads keep ``2 * workers`` batches in flight).
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
            raise ValueError(f"PyDataset: workers must be an integer >= 0; received {workers!r}")
        if use_multiprocessing:
            warnings.warn("PyDataset(use_multiprocessing=True): Lamina computes batches in threads, not processes",
                          stacklevel=2)
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)  # a subclass that did not call super().__init__ gets the defaults

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index: int) -> Any:
        """Batch number ``index``."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index), returning a batch")

    @property
    def num_batches(self) -> int | None:
        """The number of batches (``len(self)``), or None for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ (or the num_batches property, "
                                  f"None when it is endless)")

    def __iter__(self) -> Iterator[Any]:
        count = self.num_batches
        for index in (itertools.count() if count is None else range(count)):
            yield self[index]

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch (e.g. to reshuffle samples between batches)."""


Sequence = PyDataset
