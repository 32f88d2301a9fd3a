"""Reading the pickled parts of Keras's dataset files without running code.

IMDB's and Reuters' ``.npz`` hold ragged sequences as NumPy object arrays, which NumPy can only store as a
pickle (``np.load`` refuses them unless ``allow_pickle=True``, which would let a tampered file run any code), and
CIFAR-10's batches are pickled dicts of a uint8 array and a list of labels. Keras reads both with an unpickler
restricted to NumPy's array reconstruction; so does Lamina, more strictly:

- the only globals a pickle may name are ``numpy.ndarray``, ``numpy.dtype`` and NumPy's ``_reconstruct``
  (under its NumPy 1 or 2 module name); any other (``os.system``, ``builtins.eval``, ...) is refused before
  anything is called;
- ``_reconstruct`` may only make the empty placeholder array NumPy's own pickles make (shape (0,)), so a pickle
  cannot make NumPy allocate a huge array; the real contents come from the data in the file, which bounds them;
- the result is then checked to be exactly what the dataset holds (e.g. an object array of lists of ints).

Every problem is a ValueError naming the file.
"""

from __future__ import annotations

import importlib
import io
import pickle
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np


def _numpy_reconstruct() -> Any:
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return importlib.import_module(module)._reconstruct
        except (ImportError, AttributeError):
            continue
    raise ImportError("NumPy's array reconstruction function was not found")


def _placeholder_array(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    """NumPy's ``_reconstruct``, limited to the empty ndarray that NumPy's pickles start from."""
    if subtype is not np.ndarray or tuple(shape) != (0,):
        raise pickle.UnpicklingError(f"refusing to build an array of type {subtype!r} and shape {shape!r}")
    return _numpy_reconstruct()(np.ndarray, (0,), dtype)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can build NumPy arrays, dtypes and plain containers, and nothing else."""

    _ALLOWED = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}

    def find_class(self, module: str, name: str) -> Any:
        if name == "_reconstruct" and module in ("numpy.core.multiarray", "numpy._core.multiarray"):
            return _placeholder_array
        allowed = self._ALLOWED.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"refusing to load the global {module}.{name}")
        return allowed


def unpickle(stream: BinaryIO, source: str | Path, encoding: str = "ASCII") -> Any:
    """The object pickled in ``stream``, through RestrictedUnpickler; ValueError naming ``source`` otherwise."""
    try:
        return RestrictedUnpickler(stream, encoding=encoding).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError,
            KeyError, MemoryError) as problem:
        raise ValueError(f"{source}: not a dataset file Lamina can read safely ({type(problem).__name__}: "
                         f"{problem})") from None


def _read_npy(data: bytes, source: str) -> np.ndarray:
    """One ``.npy`` member: numeric arrays without pickle, object arrays through the restricted unpickler."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    except ValueError as problem:
        raise ValueError(f"{source}: not a .npy array ({problem})") from None
    if dtype.hasobject:
        array = unpickle(stream, source)
        if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
            raise ValueError(f"{source}: the pickled array does not match its header's shape {tuple(shape)}")
        return array
    stream.seek(0)
    try:
        return np.lib.format.read_array(stream, allow_pickle=False)
    except ValueError as problem:
        raise ValueError(f"{source}: {problem}") from None


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file, object arrays included, without running code (see the module)."""
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".npy"):
                    name = info.filename[:-4]
                    arrays[name] = _read_npy(archive.read(info), f"{path}:{info.filename}")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as problem:
        raise ValueError(f"{path}: not a readable .npz archive ({problem})") from None
    return arrays


def sequences(array: Any, source: str) -> list[list[int]]:
    """An object array of integer sequences (IMDB's, Reuters' x) as lists of Python ints, or a ValueError."""
    if not isinstance(array, np.ndarray) or array.ndim != 1:
        raise ValueError(f"{source}: expected a 1-D array of sequences, received {type(array).__name__}")
    result = []
    for index, item in enumerate(array):
        values = item.tolist() if isinstance(item, np.ndarray) else item
        if not isinstance(values, list) or not all(type(v) is int or isinstance(v, np.integer) for v in values):
            raise ValueError(f"{source}: sequence {index} is not a list of integers")
        result.append([int(v) for v in values])
    return result
