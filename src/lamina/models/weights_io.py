"""The weights files of ``save_weights`` / ``load_weights`` and ModelCheckpoint, chosen by the file's name.

- A name ending in ``.weights.h5`` is Keras 3's weights file (``keras_format.save_weights_h5``): the HDF5 layout of
  ``model.weights.h5`` inside a ``.keras`` file, which ``keras_model.load_weights`` reads, and which Lamina reads
  back (or from Keras).
- Other names ending in ``.h5``/``.hdf5`` (Keras 2's legacy HDF5 weights) and in ``.keras`` (Keras's whole-model
  format) are refused with an error naming the formats that exist: Lamina never writes a different format under
  Keras's extensions.
- Any other name gets Lamina's own format, a NumPy ``.npz`` archive (version 1): one array per weight, in
  ``get_weights()`` order, under the keys ``w0``, ``w1``, ..., plus ``lamina_weights_format`` (a scalar, the
  version) and ``count``. Plain arrays only: loading never unpickles (``allow_pickle=False``), so a weights file
  cannot run code.

Files are written atomically. Loading reads the format from the content (an HDF5 file is read as ``.weights.h5``
whatever its name), checks every array's declared shape against the model's weight before reading it, and turns
every problem into a ValueError naming the file (``file_checks``).
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from ..utils.io import atomic_write
from .file_checks import HDF5_MAGIC, SafeArchive, check_conversion, open_regular_file

FORMAT_VERSION = 1
_FORMAT_KEY = "lamina_weights_format"
KERAS_WEIGHTS_SUFFIX = ".weights.h5"
_FORMATS = ("'<name>.weights.h5' (Keras 3's weights file, readable by Keras) or any other name such as "
            "'<name>.weights.npz' (Lamina's .npz weights file)")


def check_weights_path(filepath: str) -> None:
    """Refuse a name ``save_weights`` must not write: Keras's ``.h5`` (other than ``.weights.h5``) and ``.keras``."""
    lower = filepath.lower()
    if lower.endswith((".h5", ".hdf5")) and not lower.endswith(KERAS_WEIGHTS_SUFFIX):
        raise ValueError(f"save_weights: {filepath}: a name ending in .h5 means Keras 2's legacy HDF5 weights file, "
                         f"which Lamina does not write; Keras 3 itself only writes .weights.h5. Use {_FORMATS}.")
    if lower.endswith(".keras"):
        raise ValueError(f"save_weights: {filepath}: a .keras name means a whole model (model.save writes it); "
                         f"for weights alone use {_FORMATS}.")


def save_model_weights(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    """``model.save_weights(filepath)``: the format chosen by the name (see the module docstring)."""
    filepath = os.fspath(filepath)
    check_weights_path(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
    if filepath.lower().endswith(KERAS_WEIGHTS_SUFFIX):
        from .keras_format import save_weights_h5
        save_weights_h5(model, filepath)
    else:
        save_weights_file(filepath, model.get_weights())


def load_model_weights(model: Any, filepath: str | os.PathLike) -> None:
    """``model.load_weights(filepath)``: a Keras ``.weights.h5`` or a Lamina ``.npz`` file, told apart by content.

    Nothing is written into the model unless every array was read and checked.
    """
    filepath = os.fspath(filepath)
    with open_regular_file(filepath, "load_weights") as handle:
        head = handle.read(len(HDF5_MAGIC))
    if head == HDF5_MAGIC:
        from .keras_format import load_weights_h5
        load_weights_h5(model, filepath)
        return
    expected = [(tuple(w.shape), w.dtype) for w in model.weights]
    model.set_weights(load_weights_file(filepath, expected))


def save_weights_file(filepath: str | os.PathLike, weights: Sequence[np.ndarray], overwrite: bool = True) -> None:
    """Write ``weights`` (a list of arrays) to ``filepath`` atomically, as Lamina's ``.npz`` weights file."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
    arrays = {f"w{i}": np.asarray(w) for i, w in enumerate(weights)}
    for key, array in arrays.items():
        if array.dtype == object:
            raise TypeError(f"save_weights: weight {key} has dtype object; only numeric arrays can be saved")
    with atomic_write(filepath, "wb") as handle:
        # Writing to a file object: np.savez does not append '.npz' to the name the user chose.
        np.savez(handle, **arrays, **{_FORMAT_KEY: np.array(FORMAT_VERSION), "count": np.array(len(arrays))})


def _scalar(archive: SafeArchive, key: str) -> int:
    array = archive.array(f"{key}.npy")
    if array.shape != () or array.dtype.kind not in "iu":
        raise archive.error(f"entry {key!r} must be an integer scalar; it holds shape {array.shape} of {array.dtype}")
    return int(array)


def load_weights_file(filepath: str | os.PathLike,
                      expected: Sequence[tuple[tuple[int, ...], Any]] | None = None) -> list[np.ndarray]:
    """Read the arrays written by ``save_weights_file``, in order.

    Args:
        filepath: the ``.npz`` file.
        expected: the (shape, dtype) of each weight the arrays are for: the count and each array's declared shape
            are checked before it is read, and values that would overflow the dtype are refused.

    Raises:
        FileNotFoundError: no such file. ValueError: anything wrong with the file (named in the message).
    """
    filepath = os.fspath(filepath)
    with SafeArchive(filepath, "load_weights", "a Lamina weights file (.npz)") as archive:
        if f"{_FORMAT_KEY}.npy" not in archive.names():
            raise archive.error(f"not a Lamina weights file (no '{_FORMAT_KEY}' entry)")
        version = _scalar(archive, _FORMAT_KEY)
        if version > FORMAT_VERSION:
            raise archive.error(f"format version {version}; this Lamina reads up to {FORMAT_VERSION}")
        count = _scalar(archive, "count")
        if expected is not None and count != len(expected):
            raise archive.error(f"holds {count} weights, but the model has {len(expected)}")
        shapes = [None] * count if expected is None else [shape for shape, _ in expected]
        for i, shape in enumerate(shapes):  # every header first: a bad last array is found before any reading
            declared = archive.npy_header(f"w{i}.npy")[0]
            if shape is not None and declared != tuple(shape):
                raise archive.error(f"w{i}.npy holds an array of shape {declared}, but the model's weight {i} has "
                                    f"shape {tuple(shape)}")
        arrays = []
        for i in range(count):
            array = archive.array(f"w{i}.npy", shapes[i])
            if expected is not None:
                check_conversion(array, expected[i][1], f"load_weights: {filepath}: w{i}.npy")
            arrays.append(array)
        return arrays
