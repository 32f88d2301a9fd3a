"""``keras.utils.to_categorical`` and ``keras.utils.normalize``: label and row encodings on NumPy arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray | Tensor:
    """Class indices -> one-hot rows: shape (..., num_classes), 1 at each label's position.

    Labels of shape (..., 1) lose that axis first (as Keras does); ``num_classes`` defaults to the largest
    label + 1. A NumPy array (or list) gives a float32 NumPy array (Keras's has float64; float32 is what
    training uses); a Lamina tensor gives a tensor.

    >>> to_categorical([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    as_tensor = isinstance(x, Tensor)
    values = np.asarray(x.data if as_tensor else x)
    if values.dtype.kind == "f" and np.all(np.mod(values, 1) == 0):
        values = values.astype(np.int64)
    if values.dtype.kind not in "biu":
        raise ValueError(f"to_categorical: labels must be integers; received an array of dtype {values.dtype}")
    labels = values.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    num_classes = int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must be in [0, {num_classes - 1}] for num_classes={num_classes}; "
                         f"received values from {labels.min()} to {labels.max()}")
    encoded = np.zeros(labels.shape + (num_classes,), dtype=np.float32)
    np.put_along_axis(encoded, labels[..., None], 1.0, axis=-1)
    return Tensor(encoded) if as_tensor else encoded


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray | Tensor:
    """Each slice along ``axis`` divided by its ``order``-norm; slices of norm 0 stay 0. A NumPy array gives a
    NumPy array (float32 for integer input), a tensor a (differentiable) tensor, as Keras's."""
    if isinstance(x, Tensor):
        from ..nn_api import normalize as normalize_tensor
        return normalize_tensor(x, axis=axis, order=order)
    values = np.asarray(x)
    if values.dtype.kind != "f":
        values = values.astype(np.float32)
    norms = np.atleast_1d(np.linalg.norm(values, order, axis))
    norms[norms == 0] = 1
    return values / np.expand_dims(norms, axis if axis is not None else -1)
