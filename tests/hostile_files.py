"""Making damaged and hostile model files inside the tests (never checked in): shared by tests/test_reliability_*.

A file is built from a real saved one: its members are read into a list, changed, and written back as a new zip;
header fields a writer never sets (encryption, unknown compression) are patched in the bytes.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

import lamina
from lamina import layers
from lamina.models import Sequential


def small_model(compiled: bool = True, trained: bool = True) -> Sequential:
    lamina.utils.set_random_seed(3)
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(5, activation="relu"), layers.BatchNormalization(),
                        layers.Dropout(0.1), layers.Dense(3, activation="softmax")])
    if compiled:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        if trained:
            rng = np.random.default_rng(0)
            model.fit(rng.normal(size=(32, 4)).astype(np.float32), rng.integers(0, 3, 32), epochs=1, verbose=0)
    return model


def members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def write_zip(path: Path, entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED,
              level: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression, compresslevel=level) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def replaced(entries: list[tuple[str, bytes]], **changes: bytes) -> list[tuple[str, bytes]]:
    """``entries`` with members replaced (keyword names use '__' for '/' and '_DOT_' for '.')."""
    named = {key.replace("__", "/").replace("_DOT_", "."): value for key, value in changes.items()}
    return [(name, named.get(name, data)) for name, data in entries]


def with_json(entries: list[tuple[str, bytes]], name: str, change) -> list[tuple[str, bytes]]:
    """``entries`` with the JSON member ``name`` passed through ``change(value) -> value``."""
    out = []
    for member, data in entries:
        if member == name:
            data = json.dumps(change(json.loads(data))).encode()
        out.append((member, data))
    return out


def npy_header_only(shape: tuple[int, ...], dtype: str = "<f4", version: tuple[int, int] = (1, 0)) -> bytes:
    """The header of an .npy file declaring ``shape`` and ``dtype``, with no data after it."""
    stream = io.BytesIO()
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(stream, header)
    else:
        np.lib.format.write_array_header_2_0(stream, header)
    return stream.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.lib.format.write_array(stream, array, allow_pickle=False)
    return stream.getvalue()


def npy_huge_header_length() -> bytes:
    """A version-2 .npy header that claims to be 2 GB long (its length field), followed by nothing."""
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31)


def patch_member(path: Path, name: str, *, flag_bits: int | None = None, method: int | None = None) -> None:
    """Set the general-purpose flags and/or compression method of member ``name`` in both of its headers
    (local header and central directory), as a forger would; sizes and data stay as they are."""
    data = bytearray(path.read_bytes())
    # (signature, offset of the name length, offset of the name, offset of the flags; the method follows them)
    for signature, length_at, name_at, flags_at in ((b"PK\x03\x04", 26, 30, 6), (b"PK\x01\x02", 28, 46, 8)):
        position = data.find(signature)
        while position >= 0:
            length = struct.unpack_from("<H", data, position + length_at)[0]
            if bytes(data[position + name_at:position + name_at + length]) == name.encode():
                if flag_bits is not None:
                    struct.pack_into("<H", data, position + flags_at, flag_bits)
                if method is not None:
                    struct.pack_into("<H", data, position + flags_at + 2, method)
            position = data.find(signature, position + 4)
    path.write_bytes(bytes(data))


def nested_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def dense_config(units: int, inputs: int) -> dict[str, Any]:
    """Lamina's Sequential config of one Dense(units) layer on ``inputs`` features."""
    return {"name": "huge", "trainable": True, "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, inputs], "dtype": "float32", "name": "in"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": units, "activation": "linear"}}]}
