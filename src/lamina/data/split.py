"""``split_dataset``: two Datasets from arrays or a (small, finite) Dataset, as ``keras.utils.split_dataset``.

The elements are listed, optionally shuffled with Python's ``random.Random(seed)`` (the permutation Keras's
``random.seed(seed); random.shuffle(...)`` makes, without touching the global generator), and cut: the first
``left_size`` go left, the last ``right_size`` go right. Sizes are counts (int) or fractions (float, rounded);
one may be None (the rest). A batched Dataset is unbatched first and both halves are batched again alike.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from ..random import make_rng
from ..tensor import Tensor
from . import transforms
from .dataset import Dataset
from .structure import AUTOTUNE, flatten, pack_like


def split_dataset(dataset: Any, left_size: int | float | None = None, right_size: int | float | None = None,
                  shuffle: bool = False, seed: int | None = None) -> tuple[Dataset, Dataset]:
    """Split ``dataset`` (an array, a tuple/list of arrays, or a Dataset) into ``(left, right)`` Datasets.

    Example:
        >>> left, right = split_dataset(np.arange(10), left_size=0.8)
        >>> len(left), len(right)
        (8, 2)
    """
    elements, batch_size = _elements(dataset)
    # Keras hands the rows of a lone array to from_tensor_slices as a Python list, which TensorFlow converts with
    # its Python-value dtypes (int64 rows become int32, float64 float32); the same list here gives the same.
    as_python_list = isinstance(dataset, (np.ndarray, Tensor))
    if shuffle:
        if seed is None:
            seed = int(make_rng().integers(1_000_000))
        random.Random(seed).shuffle(elements)
    left, right = _sizes(left_size, right_size, len(elements))
    halves = []
    for part in (elements[:left], elements[len(elements) - right:]):
        if as_python_list:
            half = Dataset.from_tensor_slices([np.asarray(row).tolist() for row in part])
        else:
            leaves = [np.stack(column) for column in zip(*(flatten(element) for element in part))]
            half = Dataset.from_tensor_slices(pack_like(part[0], leaves))
        if batch_size is not None:
            half = half.batch(batch_size)
        halves.append(half.prefetch(AUTOTUNE))
    return halves[0], halves[1]


def _elements(dataset: Any) -> tuple[list[Any], int | None]:
    """The elements as a list, and the batch size of a batched Dataset (to batch the halves again)."""
    if isinstance(dataset, Dataset):
        node = dataset._node
        while isinstance(node, transforms.Prefetch):
            node = node.node
        batch_size = node.batch_size if isinstance(node, transforms.Batch) else None
        elements = list(dataset.unbatch() if batch_size is not None else dataset)
    elif isinstance(dataset, (np.ndarray, Tensor)):
        elements, batch_size = list(np.asarray(dataset)), None
    elif isinstance(dataset, (tuple, list)):
        arrays = [np.asarray(a.data if isinstance(a, Tensor) else a) for a in dataset]
        if not arrays or len({len(a) for a in arrays}) != 1:
            raise ValueError(f"split_dataset: a tuple/list must hold arrays of the same (non-zero) length; "
                             f"received lengths {[len(a) for a in arrays]}")
        elements, batch_size = list(zip(*arrays)), None
    else:
        raise TypeError(f"split_dataset: dataset must be a Dataset, an array or a tuple/list of arrays; received "
                        f"{type(dataset).__name__}")
    if not elements:
        raise ValueError("split_dataset: the dataset is empty")
    return elements, batch_size


def _sizes(left: Any, right: Any, total: int) -> tuple[int, int]:
    """Keras's rules: fractions in (0, 1) rounded, counts in (0, total), the missing side the rest."""
    if left is None and right is None:
        raise ValueError("split_dataset: give left_size or right_size (or both)")
    sizes = []
    for value, name in ((left, "left_size"), (right, "right_size")):
        if value is None:
            sizes.append(None)
        elif isinstance(value, float) and 0 < value < 1:
            sizes.append(round(value * total))
        elif isinstance(value, int) and not isinstance(value, bool) and 0 < value < total:
            sizes.append(value)
        else:
            raise ValueError(f"split_dataset: {name} must be an integer in (0, {total}) or a float in (0, 1); "
                             f"received {value!r}")
    if isinstance(left, float) and isinstance(right, float) and left + right > 1:
        raise ValueError(f"split_dataset: left_size + right_size must be at most 1; received {left} + {right}")
    left_count = total - sizes[1] if sizes[0] is None else sizes[0]
    right_count = total - sizes[0] if sizes[1] is None else sizes[1]
    if left_count + right_count > total:
        raise ValueError(f"split_dataset: left_size + right_size ({left_count} + {right_count}) exceeds the "
                         f"{total} elements")
    if left_count == 0 or right_count == 0:
        raise ValueError(f"split_dataset: with {total} elements, left_size={left!r} and right_size={right!r} leave "
                         f"one side empty")
    return left_count, right_count
