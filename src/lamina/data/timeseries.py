"""``timeseries_dataset_from_array``: sliding windows over a sequence, as Keras makes them.

Window ``i`` starts at ``start_index + p_i`` with ``p_i = i * sequence_stride`` and holds ``sequence_length``
steps ``sampling_rate`` apart: ``data[start_index + p_i + j * sampling_rate]`` for ``j < sequence_length``. Its
target is ``targets[start_index + p_i]``. There are ``end_index - start_index - (sequence_length - 1) *
sampling_rate`` possible starts (fewer when ``targets`` is shorter), taken every ``sequence_stride``.

Windows are gathered a batch at a time (one fancy index per batch), never materialised all at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..random import make_rng
from ..tensor import Tensor
from .dataset import Dataset


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"timeseries_dataset_from_array: {name} must be a positive integer; received {value!r}")
    return int(value)


def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int, sequence_stride: int = 1,
                                  sampling_rate: int = 1, batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None) -> Dataset:
    """A Dataset of ``(windows, targets)`` batches (``windows`` alone when ``targets`` is None).

    Args:
        data: an array whose first axis is time: (steps, features...).
        targets: ``targets[start_index + p]`` belongs to the window starting at ``start_index + p``; or None.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: steps between the samples inside a window.
        batch_size: windows per batch (None: single windows).
        shuffle, seed: shuffle the windows (Keras's two-stage shuffle: the start positions, then a buffer of
            ``8 * batch_size``).
        start_index, end_index: the part of ``data`` to use (``end_index`` excluded).

    Example:
        >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=5, batch_size=None)
        >>> [w.tolist() for w in ds.as_numpy_iterator()][:2]
        [[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]]
    """
    array = np.asarray(data.data if isinstance(data, Tensor) else data)
    length = len(array)
    sequence_length = _positive(sequence_length, "sequence_length")
    sequence_stride = _positive(sequence_stride, "sequence_stride")
    sampling_rate = _positive(sampling_rate, "sampling_rate")
    if start_index and not 0 <= start_index < length:
        raise ValueError(f"timeseries_dataset_from_array: start_index must be in [0, {length}) for data of length "
                         f"{length}; received {start_index}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"timeseries_dataset_from_array: end_index ({end_index}) must be greater than "
                             f"start_index ({start_index})")
        if not 0 < end_index < length:
            raise ValueError(f"timeseries_dataset_from_array: end_index must be in (0, {length}) for data of "
                             f"length {length}; received {end_index}")
    for value, name in ((sampling_rate, "sampling_rate"), (sequence_stride, "sequence_stride")):
        if value >= length:
            raise ValueError(f"timeseries_dataset_from_array: {name} must be lower than the length of the data "
                             f"({length}); received {value}")
    if batch_size is not None:
        batch_size = _positive(batch_size, "batch_size")
    start = start_index or 0
    end = length if end_index is None else end_index
    count = end - start - (sequence_length - 1) * sampling_rate
    target_array = None
    if targets is not None:
        target_array = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
        count = min(count, len(target_array))
        target_array = target_array[start:end]
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = int(make_rng().integers(1_000_000))
        np.random.RandomState(seed).shuffle(starts)  # Keras's first stage, with Keras's generator
    steps = array[start:end]
    offsets = np.arange(sequence_length) * sampling_rate

    def windows(positions: np.ndarray) -> Any:
        # positions: one start (a scalar) or a batch of them; the gather works for both.
        index = np.asarray(positions)[..., None] + offsets
        gathered = steps[index]
        return gathered if target_array is None else (gathered, target_array[positions])

    dataset = Dataset.from_tensor_slices(starts)
    if shuffle:
        dataset = dataset.shuffle(batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.map(windows)
