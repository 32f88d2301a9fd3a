"""Keras's dataset files: where ``keras.datasets`` finds them, and how it fetches them (Keras's ``get_file``).

A file named ``fname`` (e.g. ``mnist.npz``) is taken from the first of:

1. Lamina's data folders: ``$LAMINA_DATA/<dataset>/``, ``$LAMINA_DATA``, ``~/.cache/lamina/<dataset>/`` and
   ``/usr/share/datasets/<dataset>/`` (a copy there must have the published checksum, else ChecksumError);
2. Keras's cache, ``$KERAS_HOME/datasets/`` (``~/.keras/datasets/`` by default; ``/tmp/.keras`` when the home
   folder is not writable), where Keras itself keeps them, so the two libraries share one download;
3. otherwise it is downloaded from the publisher's URL (the one Keras uses) into Keras's cache: streamed into a
   temporary file with a progress bar, checked against the published SHA-256 (or MD5), then renamed into place,
   so an interrupted or corrupt download never leaves a file that looks complete. A cached copy with the wrong
   checksum is downloaded again, as Keras does.
"""

from __future__ import annotations

import http.client
import os
import sys
from pathlib import Path

from ._fetch import ChecksumError, DownloadError, check_digest, data_home, download, file_digest

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
SYSTEM_DATA = Path("/usr/share/datasets")  # where system packages (Debian's dataset-*) install data sets


def keras_home() -> Path:
    """``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` when the home folder is not writable), as Keras."""
    env = os.environ.get("KERAS_HOME")
    if env:
        return Path(env)
    home = Path.home()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def keras_cache(subdir: str = "datasets") -> Path:
    """Keras's dataset cache folder, e.g. ``~/.keras/datasets`` (not created here)."""
    return keras_home() / subdir


def lamina_dirs(dataset: str) -> list[Path]:
    """Lamina's folders for ``dataset``, in search order (see the module docstring)."""
    dirs: list[Path] = []
    env = os.environ.get("LAMINA_DATA")
    if env:
        dirs += [Path(env) / dataset, Path(env)]
    return [*dirs, data_home() / dataset, SYSTEM_DATA / dataset]


def check_file_name(fname: str) -> str:
    """Keras's rule: ``path`` arguments name a file inside the cache, not a path."""
    fname = os.fspath(fname)
    if not fname or os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(f"path must be a file name inside {keras_cache()} (as in Keras, paths are not accepted; "
                         f"put your copy there or under $LAMINA_DATA); received {fname!r}")
    return fname


def get_file(fname: str, origin: str, file_hash: str, dataset: str, *, cache_subdir: str = "datasets",
             progress: bool = True) -> Path:
    """A verified local copy of ``fname``, found or downloaded as the module docstring says.

    Raises:
        ChecksumError: a copy in Lamina's folders, or the download, does not have the published checksum.
        DownloadError: the download failed (no network, HTTP error, connection cut); nothing is left behind.
    """
    check_file_name(fname)
    for folder in lamina_dirs(dataset):
        candidate = folder / fname
        if candidate.is_file():
            check_digest(file_digest(candidate, file_hash), file_hash, candidate, fname)
            return candidate
    target = keras_cache(cache_subdir) / fname
    if target.is_file():
        if file_digest(target, file_hash) == file_hash.lower():
            return target
        print(f"{target}: the cached file does not have the published checksum {file_hash}; downloading it again",
              file=sys.stderr)
    try:
        return download(origin, target, file_hash=file_hash, what=fname, progress=progress)
    except ChecksumError:
        raise
    except (OSError, http.client.HTTPException) as problem:  # URLError/HTTPError are OSErrors
        raise DownloadError(f"could not download {origin}: {problem}. Without a network, put {fname} in "
                            f"{target.parent} or in $LAMINA_DATA/{dataset}/") from problem
