"""Reading model and weights archives defensively: every problem is a ValueError naming the file.

``load_model`` and ``load_weights`` read zip archives (``.lamina``, ``.keras``, ``.npz``) that may be damaged,
truncated or made to hurt. Before anything large is read or allocated, this module checks what the archive
*declares*:

- the path is a regular file (not a directory, FIFO or device such as ``/dev/zero``): ``utils.io``'s
  ``open_regular_file`` checks the opened descriptor, and opens without blocking, so a FIFO cannot hang the call;
- no two members share a name, no member is encrypted or uses a compression other than stored or deflated;
- the members' uncompressed sizes add up to at most ``MAX_EXPANSION`` times the file's size (or
  ``MIN_BUDGET``, whichever is larger): a small file cannot unpack into gigabytes (Lamina and Keras write stored,
  uncompressed members, for which the ratio is 1);
- a JSON member is at most ``MAX_JSON_BYTES`` long and nested at most ``MAX_JSON_DEPTH`` levels deep;
- an ``.npy`` member's header (shape, dtype) agrees with the member's size, and with the shape the caller
  expects, before its data is read; only plain numeric dtypes are accepted (never pickles).

All of it runs on headers, so a hostile file is refused in milliseconds, with memory bounded by the budget above.
What the arrays must be (their shapes) comes from the model's config, worked out without building the model
(``weight_plan``); HDF5 content is checked by ``hdf5_checks``.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from typing import Any, BinaryIO

import numpy as np

from ..utils.io import open_regular_file

MAX_JSON_BYTES = 4 * 2**20   # a Sequential config is a few KB; Keras's largest functional configs a few hundred
MAX_JSON_DEPTH = 64          # Keras's configs nest about 10 levels deep
MAX_EXPANSION = 20           # uncompressed bytes accepted per byte of file (stored members: 1)
MIN_BUDGET = 16 * 2**20      # ... but always at least this many
_ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_READABLE_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}

# What rebuilding objects from a parsed but hostile config can raise (a list where a dict belongs, a huge or
# negative number, an abstract class): all of them become a ValueError naming the file.
CONFIG_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError, NotImplementedError)
# What reading a damaged zip member can raise (zipfile's own errors, and those of the decompressor beneath it).
ZIP_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                   RuntimeError, ValueError)


def describe_config_error(error: BaseException) -> str:
    """One of ``CONFIG_ERRORS`` as the end of a message (a KeyError is a missing entry)."""
    if isinstance(error, KeyError):
        return f"missing entry {error}"
    if isinstance(error, ValueError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def expansion_budget(physical_size: int) -> int:
    """The most bytes a file of ``physical_size`` bytes may unpack into (see ``MAX_EXPANSION``)."""
    return max(MIN_BUDGET, MAX_EXPANSION * physical_size)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size} bytes"


def json_depth(value: Any) -> int:
    """How deeply lists and dicts nest in ``value`` (0 for a scalar), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(data: bytes, describe: str) -> Any:
    """``data`` parsed as UTF-8 JSON of bounded depth; ValueError starting with ``describe`` otherwise."""
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError(f"{describe} is nested too deeply to read (more than {MAX_JSON_DEPTH} levels)") from None
    except (UnicodeDecodeError, ValueError) as error:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"{describe} is not valid JSON ({error})") from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"{describe} nests lists or objects more than {MAX_JSON_DEPTH} levels deep")
    return value


class SafeArchive:
    """A zip archive opened with the checks of the module docstring; errors are ValueErrors naming the file.

    Args:
        filepath: the file. where: the message prefix, e.g. ``"load_model"``.
        what: what the file should be, for the "not a zip archive" message (e.g. "a Lamina or Keras model").
        hdf5_hint: what to add when the file is HDF5 instead (a Keras .h5 file given where a zip belongs).
    """

    def __init__(self, filepath: str, where: str, what: str, hdf5_hint: str = ""):
        self.filepath = filepath
        self.where = where
        self.handle = open_regular_file(filepath, where)
        try:
            self.size = os.fstat(self.handle.fileno()).st_size
            head = self.handle.read(len(HDF5_MAGIC))
            self.handle.seek(0)
            if head == HDF5_MAGIC:
                raise self.file_error(f"is an HDF5 file, not {what}" + (f": {hdf5_hint}" if hdf5_hint else ""))
            try:
                self.zip = zipfile.ZipFile(self.handle, "r")
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) \
                    as error:
                if head.startswith(_ZIP_MAGIC):
                    raise self.file_error(f"is truncated or corrupt: it starts as a zip archive but cannot be read as "
                                     f"one ({error})") from None
                raise self.file_error(f"is not {what} (not a zip archive)") from None
            self._check_members()
        except BaseException:
            self.handle.close()
            raise

    def __enter__(self) -> "SafeArchive":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()
        self.handle.close()

    def error(self, message: str) -> ValueError:
        """A problem inside the file: ``"<where>: <file>: <message>"``."""
        return ValueError(f"{self.where}: {self.filepath}: {message}")

    def file_error(self, message: str) -> ValueError:
        """A problem with the file as a whole: ``"<where>: <file> is ..."``."""
        return ValueError(f"{self.where}: {self.filepath} {message}")

    def _check_members(self) -> None:
        seen: set[str] = set()
        declared = 0
        for info in self.zip.infolist():
            if info.filename in seen:
                raise self.error(f"the archive holds two members named {info.filename!r}; a damaged or forged "
                                 f"archive (which of them would be read is not defined)")
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise self.error(f"member {info.filename!r} is encrypted; model files are never encrypted")
            if info.compress_type not in _READABLE_COMPRESSION:
                raise self.error(f"member {info.filename!r} uses zip compression method {info.compress_type}; "
                                 f"only stored or deflated members are read")
            declared += info.file_size
        budget = expansion_budget(self.size)
        if declared > budget:
            raise self.error(f"its members unpack into {_megabytes(declared)} from a file of "
                             f"{_megabytes(self.size)}: more than the {MAX_EXPANSION}x ({_megabytes(budget)}) "
                             f"accepted, so it is refused before anything is read (a zip bomb, or a genuine file "
                             f"re-zipped with compression: unzip it and zip it again with stored members)")

    def names(self) -> list[str]:
        return self.zip.namelist()

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            return self.zip.getinfo(name)
        except KeyError:
            raise self.error(f"the archive has no {name}; the file is incomplete or not of this kind") from None

    def read(self, name: str, limit: int | None = None) -> bytes:
        """The whole member (so that zipfile checks its CRC-32), refused unread when it declares more than
        ``limit`` bytes."""
        info = self._info(name)
        if limit is not None and info.file_size > limit:
            raise self.error(f"{name} declares {_megabytes(info.file_size)}, more than the {_megabytes(limit)} "
                             f"accepted for it")
        try:
            data = self.zip.read(info)
        except ZIP_READ_ERRORS as error:
            raise self.error(f"{name} is damaged ({type(error).__name__}: {error})") from None
        if len(data) != info.file_size:
            raise self.error(f"{name} is damaged: it declares {info.file_size} bytes but holds {len(data)}")
        return data

    def json(self, name: str) -> Any:
        """A JSON member, at most ``MAX_JSON_BYTES`` long and ``MAX_JSON_DEPTH`` deep."""
        data = self.read(name, MAX_JSON_BYTES)
        try:
            return parse_json(data, name)
        except ValueError as error:
            raise self.error(str(error)) from None

    def npy_header(self, name: str) -> tuple[tuple[int, ...], np.dtype, bool, int]:
        """(shape, dtype, fortran_order, header length) of an ``.npy`` member, checked against its size."""
        info = self._info(name)
        try:
            with self.zip.open(info) as member:
                shape, dtype, fortran, offset = read_npy_header(member)
        except ValueError as error:
            raise self.error(f"{name} is not a plain .npy array ({error})") from None
        except ZIP_READ_ERRORS as error:
            raise self.error(f"{name} is damaged ({type(error).__name__}: {error})") from None
        expected = offset + math.prod(shape) * dtype.itemsize
        if info.file_size != expected:
            raise self.error(f"{name} declares an array of shape {shape} and dtype {dtype} ({expected} bytes with "
                             f"its header), but the member holds {info.file_size} bytes")
        return shape, dtype, fortran, offset

    def array(self, name: str, expected_shape: tuple[int, ...] | None = None) -> np.ndarray:
        """An ``.npy`` member as an array, its header checked (and its shape against ``expected_shape``) before
        the data is read."""
        shape, dtype, fortran, offset = self.npy_header(name)
        if expected_shape is not None and tuple(shape) != tuple(expected_shape):
            raise self.error(f"{name} holds an array of shape {shape}, but the model needs {tuple(expected_shape)}")
        data = self.read(name)
        array = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=offset)
        return array.reshape(shape, order="F" if fortran else "C").copy()  # writable, aligned, not tied to data


def read_npy_header(stream: BinaryIO) -> tuple[tuple[int, ...], np.dtype, bool, int]:
    """(shape, dtype, fortran_order, bytes read) from the start of an ``.npy`` stream; ValueError if it is not a
    plain numeric array (object, structured or non-numeric dtypes are refused: loading never unpickles)."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"unknown .npy format version {version}")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"dtype {dtype} is not a plain numeric type")
    if any(int(d) < 0 for d in shape):
        raise ValueError(f"negative dimension in shape {shape}")
    return tuple(int(d) for d in shape), dtype, bool(fortran), stream.tell()


def check_conversion(array: np.ndarray, dtype: np.dtype, describe: str) -> None:
    """Refuse values that are finite in the file but overflow when converted to ``dtype`` (float64 1e300 is
    infinity in float32): the model would silently hold infinities the file never had."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f" or array.dtype == dtype or array.size == 0:
        return
    with np.errstate(invalid="ignore", over="ignore"):
        overflowing = ~np.isfinite(array.astype(dtype)) & np.isfinite(array)
    if overflowing.any():
        index = tuple(int(i) for i in np.argwhere(overflowing)[0])
        raise ValueError(f"{describe} holds {array[index].item()!r} at index {index} ({array.dtype}), which "
                         f"overflows to infinity as {dtype}; the file's values do not fit the model's dtype")
