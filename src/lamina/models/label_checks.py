"""Checking every label against the model's output and the loss before fit, evaluate or a batch runs.

The losses check their labels too, but only batch by batch and after the forward pass: a bad label late in the
data was found after earlier batches had already updated the weights and the optimizer, and even a bad first
batch had moved BatchNormalization's moving statistics. Checking the whole of ``y`` up front, with the model's
output shape known, makes a rejected call change nothing.

What each built-in loss requires (K = the model's last output size):

- sparse categorical cross-entropy: class indices, integers (or integral floats) in [0, K - 1], of shape
  (N,) + output[1:-1], with or without a trailing axis of 1;
- categorical cross-entropy: rows of the output's shape (one-hot or probabilities);
- binary cross-entropy: values in [0, 1], of the output's shape (a trailing axis of 1 may be missing or extra);
- mean squared / absolute error: the output's shape, with the same trailing-axis rule.

Losses of the user's own are not second-guessed (only the finiteness check of ``data_adapter`` applies).
NaN and infinity are refused earlier, by ``data_adapter.prepare``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import losses as _losses

Shape = tuple["int | None", ...]


def check_labels(model: Any, x: np.ndarray, y: np.ndarray | None, prefix: str = "") -> None:
    """Build ``model`` for ``x`` if it is not built, then check ``y`` against its output and loss.

    Building only creates the weights (as the first forward pass would); it runs no data through the model,
    so no statistic moves. Raises ValueError naming the array (``y``, ``validation_data y``), the first bad
    sample, what was expected and what was received.
    """
    if not getattr(model, "built", True) and isinstance(x, np.ndarray) and hasattr(model, "graph_view"):
        model.build((None,) + tuple(x.shape[1:]))  # a Sequential stack builds from shapes alone
    loss = getattr(model, "_loss_fn", None)
    output_shape = getattr(model, "output_shape", None)
    if y is None or loss is None or not output_shape:
        return
    name = f"{prefix}y"
    if isinstance(loss, _losses.SparseCategoricalCrossentropy):
        _check_class_indices(y, tuple(output_shape), loss.name, name)
    elif isinstance(loss, _losses.CategoricalCrossentropy):
        _check_rows(y, tuple(output_shape), loss.name, name)
    elif isinstance(loss, _losses.BinaryCrossentropy):
        _check_same_shape(y, tuple(output_shape), loss.name, name)
        _check_range(y, 0, 1, f"{loss.name} needs labels in [0, 1]", name)
    elif isinstance(loss, (_losses.MeanSquaredError, _losses.MeanAbsoluteError)):
        _check_same_shape(y, tuple(output_shape), loss.name, name)


def _fits(shape: tuple[int, ...], expected: Shape) -> bool:
    """``shape`` (batch axis included) matches ``expected`` (None = any size on that axis)."""
    return len(shape) == len(expected) and all(e is None or e == s for s, e in zip(shape[1:], expected[1:]))


def _describe(expected: Shape) -> str:
    return str(tuple(expected)).replace("None", "N")


def _check_same_shape(y: np.ndarray, output: Shape, loss_name: str, name: str) -> None:
    """y has the output's shape, or differs from it by a trailing axis of 1 (what the losses accept)."""
    if _fits(y.shape, output) or (output[-1] == 1 and _fits(y.shape + (1,), output)) or \
            (y.shape[-1:] == (1,) and _fits(y.shape[:-1], output)):
        return
    raise ValueError(f"{name} has shape {y.shape}, but {loss_name} needs targets of the model's output shape "
                     f"{tuple(output)} (N = the number of samples)")


def _check_rows(y: np.ndarray, output: Shape, loss_name: str, name: str) -> None:
    if _fits(y.shape, output):
        return
    hint = ""
    if y.ndim < len(output) or y.shape[-1:] == (1,):
        hint = "; these look like integer class indices: compile with loss='sparse_categorical_crossentropy'"
    raise ValueError(f"{name} has shape {y.shape}, but {loss_name} needs one-hot (or probability) rows of the "
                     f"model's output shape {_describe(output)}; the model's output shape is {tuple(output)}{hint}")


def _check_class_indices(y: np.ndarray, output: Shape, loss_name: str, name: str) -> None:
    classes = output[-1]
    expected = output[:-1]
    if not (_fits(y.shape, expected) or _fits(y.shape, expected + (1,))):
        raise ValueError(f"{name} has shape {y.shape}, but {loss_name} needs one class index per sample, of "
                         f"shape {_describe(expected)} or {_describe(expected + (1,))}, for the model's output "
                         f"shape {tuple(output)}")
    if classes is None:
        return
    where = f"{loss_name} needs integer class indices in [0, {classes - 1}] for the model's {classes} outputs"
    if y.dtype.kind == "f":
        _first_bad(y, np.mod(y, 1) != 0, where, name)
    _check_range(y, 0, classes - 1, where, name)


def _check_range(y: np.ndarray, low: float, high: float, requirement: str, name: str) -> None:
    if y.size == 0 or (y.min() >= low and y.max() <= high):  # the common case: two reductions, no mask
        return
    _first_bad(y, (y < low) | (y > high), requirement, name)


def _first_bad(y: np.ndarray, bad: np.ndarray, requirement: str, name: str) -> None:
    """Raise naming the first sample where ``bad`` holds, if any."""
    if not bad.any():
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    raise ValueError(f"{name}: sample {index[0]} has the label {y[index].item()!r} ({int(bad.sum())} bad label(s) in "
                     f"all); {requirement}")
