"""The weights file of ``save_weights`` / ``load_weights`` and ModelCheckpoint: a NumPy ``.npz`` archive.

Format (version 1): one array per weight, in ``get_weights()`` order, under the keys ``w0``, ``w1``, ...,
plus ``lamina_weights_format`` (a scalar, the version) and ``count``. Plain arrays only: loading never
unpickles (``allow_pickle=False``), so a weights file cannot run code. The file is written atomically.
Issue 8 (the full ``.keras`` / ``.weights.h5`` model format) may add formats beside this one; files of this
version will keep loading.
"""

from __future__ import annotations

import os
import zipfile
from typing import Sequence

import numpy as np

from ..utils.io import atomic_write

FORMAT_VERSION = 1
_FORMAT_KEY = "lamina_weights_format"


def save_weights_file(filepath: str | os.PathLike, weights: Sequence[np.ndarray], overwrite: bool = True) -> None:
    """Write ``weights`` (a list of arrays) to ``filepath`` atomically."""
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


def load_weights_file(filepath: str | os.PathLike) -> list[np.ndarray]:
    """Read the arrays written by ``save_weights_file``, in order."""
    filepath = os.fspath(filepath)
    try:
        archive = np.load(filepath, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"load_weights: {filepath} is not a Lamina weights file (.npz): {error}") from None
    with archive:
        if not hasattr(archive, "files") or _FORMAT_KEY not in archive.files:
            raise ValueError(f"load_weights: {filepath} is not a Lamina weights file "
                             f"(no '{_FORMAT_KEY}' entry)")
        version = int(archive[_FORMAT_KEY])
        if version > FORMAT_VERSION:
            raise ValueError(f"load_weights: {filepath} has format version {version}; this Lamina reads up to "
                             f"{FORMAT_VERSION}")
        count = int(archive["count"])
        return [archive[f"w{i}"] for i in range(count)]
