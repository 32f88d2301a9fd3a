"""``keras.datasets.mnist``, ``fashion_mnist`` and ``cifar10``: Keras's ``load_data()``, its arrays, its files.

Each returns ``(x_train, y_train), (x_test, y_test)`` with Keras's shapes and dtypes. Files are found or fetched
as ``_keras_files`` describes; in addition MNIST and Fashion-MNIST use Lamina's IDX copies when they are there
(the same images in the same order as Keras's files, checked against the publishers' MD5s).

- MNIST: Keras's ``mnist.npz`` (SHA-256 ``731c5ac6...``), read with ``allow_pickle=False``;
- Fashion-MNIST: the publisher's four IDX ``.gz`` files, downloaded from Keras's mirror into
  ``~/.keras/datasets/fashion-mnist/`` (where Keras keeps them) and checked against Zalando's MD5s;
- CIFAR-10: the publisher's ``cifar-10-python.tar.gz`` (SHA-256 ``6d958be0...``); its six batches are copied out
  of the archive one by one (never ``extractall``: no path in an archive can write elsewhere) into Keras's
  folder ``~/.keras/datasets/cifar-10-batches-py-target/cifar-10-batches-py/``, and each batch, a pickle, is read
  with the restricted unpickler of ``_safe_pickle`` (no code runs).
"""

from __future__ import annotations

import dataclasses
import tarfile
from pathlib import Path

import numpy as np

from . import mnist as _mnist
from ._fetch import check_digest, file_digest
from ._idx_set import Split, load
from ._keras_files import KERAS_ORIGIN, check_file_name, get_file, keras_cache, lamina_dirs
from ._safe_pickle import unpickle
from .fashion_mnist import FASHION_MNIST

MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
CIFAR10_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
CIFAR10_BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch")
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_KERAS_NAME = "cifar-10-batches-py-target"  # Keras's name for the download and its extraction folder
_MAX_BATCH_BYTES = 64 << 20  # a CIFAR-10 batch is 31 MB


def _checked_images(x: np.ndarray, y: np.ndarray, source: str, image_shape: tuple[int, ...]) -> Split:
    if x.dtype != np.uint8 or y.dtype != np.uint8 or x.shape[1:] != image_shape or y.shape != x.shape[:1]:
        raise ValueError(f"{source}: expected uint8 images of shape (N, {', '.join(map(str, image_shape))}) and N "
                         f"uint8 labels; received {x.dtype} {x.shape} and {y.dtype} {y.shape}")
    return x, y


def mnist_load_data(path: str = "mnist.npz") -> tuple[Split, Split]:
    """MNIST as Keras loads it: x uint8 (60000, 28, 28), y uint8 (60000,); x_test (10000, 28, 28), y_test.

    Args:
        path: the file's name inside Keras's cache (Keras's argument); Lamina's IDX copies are used first.
    """
    check_file_name(path)
    if path == "mnist.npz":
        try:
            return _mnist.load_data(download=False, progress=False)
        except FileNotFoundError:
            pass  # no IDX copy: Keras's file
    file = get_file(path, KERAS_ORIGIN + "mnist.npz", MNIST_SHA256, "mnist")
    try:
        with np.load(file, allow_pickle=False) as arrays:
            train = _checked_images(arrays["x_train"], arrays["y_train"], str(file), (28, 28))
            test = _checked_images(arrays["x_test"], arrays["y_test"], str(file), (28, 28))
    except (KeyError, OSError, ValueError) as problem:
        raise ValueError(f"{file}: not Keras's MNIST file ({problem})") from None
    return train, test


def fashion_mnist_load_data() -> tuple[Split, Split]:
    """Fashion-MNIST as Keras loads it: uint8 images (60000, 28, 28) / (10000, 28, 28), uint8 labels 0..9."""
    spec = dataclasses.replace(FASHION_MNIST, mirrors=(KERAS_ORIGIN, *FASHION_MNIST.mirrors))
    return load(spec, cache=keras_cache() / "fashion-mnist")


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if path.stat().st_size > _MAX_BATCH_BYTES:
        raise ValueError(f"{path}: {path.stat().st_size} bytes is too large for a CIFAR-10 batch")
    with open(path, "rb") as stream:
        batch = unpickle(stream, path, encoding="bytes")
    data = batch.get(b"data") if isinstance(batch, dict) else None
    labels = batch.get(b"labels") if isinstance(batch, dict) else None
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2 and data.shape[1] == 3072):
        raise ValueError(f"{path}: expected b'data', a uint8 array of shape (N, 3072)")
    if not (isinstance(labels, list) and len(labels) == len(data) and all(type(v) is int and 0 <= v < 10
                                                                        for v in labels)):
        raise ValueError(f"{path}: expected b'labels', a list of {len(data)} integers in 0..9")
    return data.reshape(len(data), 3, 32, 32), np.asarray(labels, dtype=np.uint8)


def _complete_cifar_folder(folder: Path) -> bool:
    return all((folder / name).is_file() for name in CIFAR10_BATCHES)


def _extract_cifar(archive: Path, folder: Path) -> None:
    """Copy the six batches out of the archive into ``folder``, each written atomically."""
    from ..utils.io import atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for name in CIFAR10_BATCHES:
                member = tar.getmember(f"{_CIFAR_FOLDER}/{name}")
                if not member.isfile() or member.size > _MAX_BATCH_BYTES:
                    raise ValueError(f"{archive}: {member.name} is not a CIFAR-10 batch file")
                source = tar.extractfile(member)
                with atomic_write(folder / name) as out:
                    while block := source.read(1 << 20):
                        out.write(block)
    except (tarfile.TarError, KeyError, EOFError, OSError) as problem:
        raise ValueError(f"{archive}: not the CIFAR-10 archive ({problem})") from None


def _cifar_folder() -> Path:
    """A folder holding the six batch files: an extracted copy, else the archive (found or downloaded)."""
    keras_folder = keras_cache() / _CIFAR_KERAS_NAME / _CIFAR_FOLDER
    for base in lamina_dirs("cifar10"):
        for folder in (base / _CIFAR_FOLDER, base):
            if _complete_cifar_folder(folder):
                return folder
    if _complete_cifar_folder(keras_folder):
        return keras_folder
    archive = None
    for base in lamina_dirs("cifar10"):
        if (base / "cifar-10-python.tar.gz").is_file():
            archive = base / "cifar-10-python.tar.gz"
            check_digest(file_digest(archive, CIFAR10_SHA256), CIFAR10_SHA256, archive, "cifar-10-python.tar.gz")
            break
    if archive is None:
        archive = get_file(f"{_CIFAR_KERAS_NAME}_archive", CIFAR10_ORIGIN, CIFAR10_SHA256, "cifar10")
    _extract_cifar(archive, keras_folder)
    return keras_folder


def cifar10_load_data() -> tuple[Split, Split]:
    """CIFAR-10 as Keras loads it: x uint8 (50000, 32, 32, 3) channels last, y uint8 (50000, 1); test 10000."""
    folder = _cifar_folder()
    parts = [_read_cifar_batch(folder / name) for name in CIFAR10_BATCHES]
    x_train = np.concatenate([x for x, _ in parts[:-1]]).transpose(0, 2, 3, 1)
    y_train = np.concatenate([y for _, y in parts[:-1]]).reshape(-1, 1)
    x_test, y_test = parts[-1]
    return (x_train, y_train), (x_test.transpose(0, 2, 3, 1), y_test.reshape(-1, 1))
