"""Find, fetch, verify and load an MNIST-style dataset: four IDX files, train/test images and labels.

MNIST and Fashion-MNIST share the file names and the layout, so each is just an :class:`IdxDataset`
description (folder name, checksums, mirrors) handed to :func:`load`.

Search order for the four files (each may be plain or ``.gz``):

1. the ``path`` argument: the folder itself or its ``<name>/`` subfolder; nothing else is tried, so a wrong
   path is an error rather than a silent download;
2. ``$LAMINA_DATA/<name>/``, then ``$LAMINA_DATA`` itself;
3. the user cache, ``$XDG_CACHE_HOME/lamina/<name>/`` or ``~/.cache/lamina/<name>/``;
4. system folders such as Debian's ``/usr/share/datasets/<name>/``;
5. otherwise the missing files are downloaded from the publishers' mirrors into the user cache.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._fetch import ChecksumError, DownloadError, cache_dir, check_md5, download
from .idx import parse_idx, read_bytes

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class IdxDataset:
    """Where an MNIST-style dataset is found and what its files must hash to.

    Attributes:
        name: folder name under ``$LAMINA_DATA``, the cache and the system folders, e.g. ``"fashion-mnist"``.
        title: the name used in messages, e.g. ``"Fashion-MNIST"``.
        md5: for each of ``FILES``, the MD5 of its uncompressed content.
        mirrors: base URLs (ending in ``/``) that serve ``<file>.gz``, tried in order.
        system_dirs: read-only folders a system package may install, tried after the cache.
    """

    name: str
    title: str
    md5: dict[str, str]
    mirrors: tuple[str, ...]
    system_dirs: tuple[Path, ...]


def _find(folder: Path, base: str) -> Path | None:
    """Return ``folder/base`` or ``folder/base.gz``, whichever exists first, else None."""
    for candidate in (folder / base, folder / f"{base}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _complete(folder: Path) -> dict[str, Path] | None:
    """Return the four files in ``folder`` when all are there, else None."""
    found = {base: _find(folder, base) for base in FILES}
    if any(path is None for path in found.values()):
        return None
    return found  # type: ignore[return-value]


def _search_dirs(spec: IdxDataset, cache: Path | None = None) -> list[Path]:
    """The folders searched when no path is given, in order (the download target, the cache, included).

    ``cache``: a download folder other than Lamina's cache (keras.datasets uses Keras's), searched last.
    """
    dirs: list[Path] = []
    env = os.environ.get("LAMINA_DATA")
    if env:
        dirs += [Path(env) / spec.name, Path(env)]
    dirs.append(cache_dir(spec.name))
    dirs += spec.system_dirs
    if cache is not None:
        dirs.append(cache)
    return dirs


def locate(spec: IdxDataset, path: str | os.PathLike[str] | None = None,
           cache: Path | None = None) -> dict[str, Path] | None:
    """Return the four files of ``spec`` from the first folder that holds all of them.

    With ``path`` only that folder (or its ``<name>/`` subfolder) is looked at, and a missing file raises
    ``FileNotFoundError``; without it, None means that no folder in the search order is complete.
    """
    if path is not None:
        folder = Path(path).expanduser()
        tried = [folder, folder / spec.name]
        for candidate in tried:
            found = _complete(candidate)
            if found:
                return found
        if not folder.is_dir():
            raise FileNotFoundError(f"{spec.title}: {folder} is not a folder; expected a folder holding {FILES}")
        missing = [base for base in FILES if _find(folder, base) is None]
        raise FileNotFoundError(
            f"{spec.title}: {folder} lacks {missing} (plain or .gz; also looked in {folder / spec.name})"
        )
    for folder in _search_dirs(spec, cache):
        found = _complete(folder)
        if found:
            return found
    return None


def fetch(spec: IdxDataset, *, verify: bool = True, progress: bool = True,
          cache: Path | None = None) -> dict[str, Path]:
    """Download the files missing from the cache folder of ``spec`` (or ``cache``); return its four files.

    Each file is tried at every mirror in turn; when none delivers it, :class:`DownloadError` lists every URL
    and what went wrong there.
    """
    folder = cache if cache is not None else cache_dir(spec.name)
    found: dict[str, Path] = {}
    for base in FILES:
        existing = _find(folder, base)
        if existing is not None:
            found[base] = existing
            continue
        failures = []
        for mirror in spec.mirrors:
            url = f"{mirror}{base}.gz"
            try:
                found[base] = download(
                    url,
                    folder / f"{base}.gz",
                    md5=spec.md5[base] if verify else None,
                    what=f"{spec.title} {base}",
                    progress=progress,
                )
                break
            except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors; ChecksumError a ValueError
                failures.append(f"  {url}: {exc}")
        else:
            raise DownloadError(
                f"could not download {spec.title} file {base}.gz:\n" + "\n".join(failures) + "\n"
                f"Without a network, put the four files in a folder and pass it as path=, or set $LAMINA_DATA."
            )
    return found


def _read(spec: IdxDataset, base: str, path: Path, verify: bool) -> np.ndarray:
    """Read one file: decompress, decode (structural errors first, they say more), then verify its MD5."""
    data = read_bytes(path)
    array = parse_idx(data, path)
    if verify:
        check_md5(data, spec.md5[base], path, f"{spec.title} {base}")
    if array.dtype != np.uint8:
        raise ValueError(f"{path}: expected uint8 {spec.title} data, received {array.dtype}")
    return array


def _pair(spec: IdxDataset, files: dict[str, Path], images: str, labels: str, verify: bool) -> Split:
    """Load one images/labels pair and check that they describe the same examples."""
    x = _read(spec, images, files[images], verify)
    y = _read(spec, labels, files[labels], verify)
    if x.ndim != 3:
        raise ValueError(f"{files[images]}: expected images of shape (N, rows, cols), received shape {x.shape}")
    if y.ndim != 1:
        raise ValueError(f"{files[labels]}: expected labels of shape (N,), received shape {y.shape}")
    if len(x) != len(y):
        raise ValueError(
            f"{spec.title}: {files[images]} holds {len(x)} images but {files[labels]} holds {len(y)} labels"
        )
    return x, y


def load(
    spec: IdxDataset,
    path: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
    download: bool = True,
    progress: bool = True,
    cache: Path | None = None,
) -> tuple[Split, Split]:
    """Load ``((x_train, y_train), (x_test, y_test))`` of an MNIST-style dataset; see the module docstring.

    ``cache``: download into this folder (and search it last) instead of Lamina's cache.

    Raises:
        FileNotFoundError: ``path`` lacks a file, or nothing was found and ``download`` is false.
        ChecksumError: ``verify`` is true and a file's MD5 differs from the publisher's.
        ValueError: a file is truncated, over-long, not IDX, or images and labels disagree in number.
        DownloadError: every mirror failed.
    """
    files = locate(spec, path, cache)
    if files is None:
        if not download:
            raise FileNotFoundError(
                f"{spec.title} not found in {[str(d) for d in _search_dirs(spec, cache)]} and download=False"
            )
        files = fetch(spec, verify=verify, progress=progress, cache=cache)
    train = _pair(spec, files, TRAIN_IMAGES, TRAIN_LABELS, verify)
    test = _pair(spec, files, TEST_IMAGES, TEST_LABELS, verify)
    return train, test


__all__ = ["ChecksumError", "DownloadError", "FILES", "IdxDataset", "fetch", "load", "locate"]
