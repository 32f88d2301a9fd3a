"""Read and write IDX files, the format in which MNIST and Fashion-MNIST are published.

An IDX file is a 4-byte magic number ``0x00 0x00 TT DD`` (``TT`` the element type, ``DD`` the number of
dimensions), then ``DD`` big-endian uint32 dimension sizes, then the elements in C order, big-endian.
The publishers distribute the files gzip-compressed; both forms are read here, recognised by content, not name.

Every structural problem (bad magic number, truncated or over-long payload, broken gzip stream) raises a
``ValueError`` that names the file, so a damaged download never turns into a silently wrong array.
"""
from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ..utils.io import open_regular_file

# Element type code (third byte of the magic number) -> big-endian NumPy dtype.
_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES: dict[np.dtype, int] = {dtype.newbyteorder("="): code for code, dtype in _DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
MAX_GZIP_EXPANSION = 100
MIN_GZIP_BUDGET = 256 * 2**20


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Return the content of ``path``, decompressed when it is a gzip file.

    Gzip is recognised by its two magic bytes, so ``train-images-idx3-ubyte`` that happens to be compressed (or a
    ``.gz`` that is not) is still read correctly. Only a regular file is read (not a FIFO or a device such as
    ``/dev/zero``), and a gzip stream may unpack into at most ``MAX_GZIP_EXPANSION`` times its size (or
    ``MIN_GZIP_BUDGET``): MNIST's files unpack about 5x.

    Raises:
        ValueError: not a regular file, or the gzip stream is truncated, corrupt or a bomb (the message names the
            file). OSError: the file cannot be read.
    """
    path = Path(path)
    with open_regular_file(path, "read_idx") as handle:
        raw = handle.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return _gunzip(raw, max(MIN_GZIP_BUDGET, MAX_GZIP_EXPANSION * len(raw)), path)
    except (EOFError, zlib.error) as exc:
        # EOFError: stream cut short; zlib.error: bad header, CRC, length or deflate data.
        raise ValueError(
            f"{path}: truncated or corrupt gzip stream ({exc}); delete the file and fetch it again"
        ) from exc


def _gunzip(raw: bytes, limit: int, path: Path) -> bytes:
    """Decompress every gzip member of ``raw`` (checking each one's CRC and length), at most ``limit`` bytes."""
    parts = []
    total = 0
    data = raw
    while data:
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip framing: zlib checks the CRC-32 and length
        part = stream.decompress(data, limit + 1 - total)
        total += len(part)
        if total > limit:
            raise ValueError(f"{path}: the gzip stream unpacks into more than {limit} bytes from {len(raw)}; "
                             f"refused (not an IDX file, or a decompression bomb)")
        if not stream.eof:
            raise EOFError("the compressed stream ends before its last block")
        parts.append(part)
        data = stream.unused_data
        if not data.strip(b"\0"):  # gzip tolerates zero padding after the last member
            break
    return b"".join(parts)


def parse_idx(data: bytes, source: str | os.PathLike[str] = "<bytes>") -> np.ndarray:
    """Decode the (uncompressed) bytes of an IDX file into an array.

    Args:
        data: the whole file content.
        source: the file's name, used in error messages.

    Returns:
        A writable array in native byte order with the file's dimensions, e.g. uint8 of shape (60000, 28, 28).

    Raises:
        ValueError: bad magic number, truncated header, or a payload whose length differs from the product of
            the dimensions times the element size (the message gives the expected and received byte counts).

    Example:
        >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]))
        array([7, 9], dtype=uint8)
    """
    if len(data) < 4:
        raise ValueError(f"{source}: not an IDX file: {len(data)} bytes, shorter than the 4-byte magic number")
    code, ndim = data[2], data[3]
    if data[:2] != b"\x00\x00" or code not in _DTYPES:
        raise ValueError(
            f"{source}: bad IDX magic number 0x{data[:4].hex()}: expected 0x0000TTDD with element type TT in "
            f"{{{', '.join(f'{c:02x}' for c in _DTYPES)}}} and DD dimensions"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{source}: truncated IDX header: expected {header} bytes for {ndim} dimensions, received {len(data)}"
        )
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _DTYPES[code]
    # Python ints: no overflow however large the dimensions claim to be.
    expected = math.prod(dims) * dtype.itemsize
    received = len(data) - header
    if received != expected:
        problem = "truncated" if received < expected else "over-long"
        raise ValueError(
            f"{source}: {problem} IDX payload: shape {tuple(dims)} of {dtype.name} needs {expected} bytes after "
            f"the {header}-byte header, received {received}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    # astype copies: the result is writable and in native byte order, not a read-only view of `data`.
    return array.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, gzip-compressed or not.

    Example:
        >>> images = read_idx("train-images-idx3-ubyte.gz")  # doctest: +SKIP
        >>> images.shape, images.dtype  # doctest: +SKIP
        ((60000, 28, 28), dtype('uint8'))
    """
    return parse_idx(read_bytes(path), path)


def encode_idx(array: np.ndarray) -> bytes:
    """Encode an array as the bytes of an IDX file (the inverse of :func:`parse_idx`).

    Raises:
        TypeError: the dtype has no IDX type code (uint8, int8, int16, int32, float32, float64 do).
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        raise TypeError(
            f"IDX cannot store dtype {array.dtype}: expected one of uint8, int8, int16, int32, float32, float64"
        )
    if array.ndim > 255:
        raise ValueError(f"IDX stores at most 255 dimensions, received {array.ndim}")
    header = bytes([0, 0, _CODES[native], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=_DTYPES[_CODES[native]]).tobytes()


def write_idx(path: str | os.PathLike[str], array: np.ndarray, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file; gzip-compressed when ``compress`` is true (default: the name ends in .gz).

    Returns:
        The path written.
    """
    path = Path(path)
    data = encode_idx(array)
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        data = gzip.compress(data, mtime=0)  # mtime=0: the same array always gives the same bytes
    path.write_bytes(data)
    return path
