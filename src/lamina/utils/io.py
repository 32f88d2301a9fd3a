"""Atomic file writing: a reader sees either the old file or the complete new one, never a torn mix.

A checkpoint written while training is interrupted (a crash, Ctrl-C, a full disk) must not destroy the last good
one. So the new content goes to a temporary file in the *same directory* (``os.replace`` is atomic only within
one file system), is flushed and fsynced to disk, and only then renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file to write ``path``'s new content; on success it atomically replaces ``path``.

    If the block raises, the temporary file is removed and ``path`` is left untouched.

    Args:
        path: the file to (re)write.
        mode: ``"wb"`` (bytes) or ``"w"`` (text).
        encoding: the text encoding, for ``mode="w"`` (default UTF-8).

    Example:
        >>> with atomic_write("weights.npz") as f:
        ...     np.savez(f, *arrays)
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w'; received {mode!r}")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as for any newly created file
    # (tempfile.mkstemp would force 0o600 onto the final file).
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        if mode == "w":
            handle = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline="")
        else:
            handle = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        os.unlink(temp)
        raise
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
