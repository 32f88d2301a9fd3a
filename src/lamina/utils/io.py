"""Safe file access: atomic writes (a reader sees the old file or the complete new one, never a torn mix), and
opening for reading only what is a regular file.

A checkpoint written while training is interrupted (a crash, Ctrl-C, a full disk) must not destroy the last good
one. So the new content goes to a temporary file in the *same directory* as the target (``os.replace`` is atomic
only within one file system), is flushed and fsynced to disk, and only then renamed over the target.

What can be left behind, and when it goes away:

- The temporary is named ``.<target name>.<12 hex digits>.tmp`` and sits beside the target. A process killed
  (``kill -9``, power loss) while writing leaves it behind; nothing else is ever left, and the target itself is
  always either the old file or the new one.
- While a save writes, it holds an exclusive ``flock`` on its temporary (POSIX). After each successful save to a
  path, the temporaries of *that* path whose writer is gone (no lock: the kernel drops the locks of a dead
  process) and which were last written no later than that save began are removed. Only names of exactly that form are
  touched, never another target's temporaries nor any other file, and never one whose writer still runs.
  Where ``flock`` does not exist (Windows), age alone decides, and an open file cannot be deleted there anyway.

Overwriting keeps what belongs to the file rather than to its content: the permission bits of the existing file
are copied to the new one, and a path that is a symbolic link is written through to the file it points to (the
link stays a link; a dangling link gets its target created).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from typing import IO, BinaryIO, Iterator

try:  # POSIX: a writer's lock on its temporary tells a cleaner that the write is still in progress.
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


_FILE_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def open_regular_file(filepath: str | os.PathLike, where: str) -> BinaryIO:
    """Open ``filepath`` for reading, refusing anything but a regular file (ValueError naming it).

    The type is checked on the opened descriptor (no race between a check and the open), and the open does not
    block, so a FIFO with no writer is refused instead of hanging. A missing file raises FileNotFoundError.
    """
    try:
        fd = os.open(filepath, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:  # Windows cannot open a directory at all
        raise ValueError(f"{where}: {filepath} is a directory, not a regular file") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
            raise ValueError(f"{where}: {filepath} is {kind}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def resolve_target(path: str | os.PathLike) -> str:
    """The file a write to ``path`` must replace: ``path`` itself, or the end of its chain of symbolic links."""
    path = os.fspath(path)
    return os.path.realpath(path) if os.path.islink(path) else path


def temporary_name(target: str) -> str:
    """A fresh temporary beside ``target``: ``.<name>.<12 hex digits>.tmp``."""
    directory, name = os.path.split(os.path.abspath(target))
    return os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")


def _temporary_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{12}}\.tmp")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file to write ``path``'s new content; on success it atomically replaces ``path``.

    If the block raises, the temporary file is removed and ``path`` is left untouched. On success, stale
    temporaries of earlier, killed writes to the same path are removed (see the module docstring).

    Args:
        path: the file to (re)write; a symbolic link is written through to its target.
        mode: ``"wb"`` (bytes) or ``"w"`` (text).
        encoding: the text encoding, for ``mode="w"`` (default UTF-8).

    Example:
        >>> with atomic_write("weights.npz") as f:
        ...     np.savez(f, np.zeros(3))
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w'; received {mode!r}")
    target = resolve_target(path)
    directory = os.path.dirname(os.path.abspath(target))
    try:
        kept_mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        kept_mode = None  # a new file: the umask decides, as for any newly created file
    temp, fd = _create_locked_temporary(target)
    try:
        started = os.fstat(fd).st_mtime_ns
        handle = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline="") if mode == "w" else os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        os.unlink(temp)
        raise
    try:
        try:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            if kept_mode is not None:
                os.chmod(temp, kept_mode)
            if fcntl is None:
                handle.close()  # Windows cannot rename an open file
            # Renamed while still open (and locked) on POSIX, so no cleaner can take it for a dead write.
            os.replace(temp, target)
        finally:
            handle.close()
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(directory)
    remove_stale_temporaries(target, older_than_ns=started)


def _create_locked_temporary(target: str) -> tuple[str, int]:
    """Create ``target``'s temporary file and take its write lock; return (its path, the open descriptor).

    Between creating the file and locking it, another process's cleaning could take it for a dead writer's and
    remove it (its modification time can fall in the same clock tick as that save's start). So after locking,
    the path must still name the file we hold; if not, a new temporary is made.
    """
    for _ in range(100):
        temp = temporary_name(target)
        # os.open with 0o666 lets the umask decide a new file's permissions (tempfile.mkstemp would force 0o600).
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        if fcntl is None:
            return temp, fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held until the file is renamed and closed
            if os.stat(temp, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                return temp, fd
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        os.close(fd)  # removed by a cleaner before we held it: start again with a new name
    raise OSError(f"could not create a temporary file beside {target!r}: each one vanished before it was locked")


def remove_stale_temporaries(target: str, older_than_ns: int) -> list[str]:
    """Remove ``target``'s temporaries left by dead writers and last modified no later than ``older_than_ns``.

    "No later": a file's modification time has the kernel's clock-tick resolution, so a save killed just before
    this one began can carry the same time stamp. A writer that is still alive holds its file's lock, and one that
    has created its file but not yet locked it notices the removal and starts again (``_create_locked_temporary``).

    Returns the paths removed. Errors (a file that vanished, a folder that cannot be listed) are ignored: this
    is housekeeping after a save that has already succeeded.
    """
    directory, name = os.path.split(os.path.abspath(target))
    pattern = _temporary_pattern(name)
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime_ns <= older_than_ns and _remove_if_writer_gone(entry.path):
                removed.append(entry.path)
    return removed


def _remove_if_writer_gone(path: str) -> bool:
    """Remove ``path`` if no process holds its write lock; True if it was removed."""
    if fcntl is None:
        os.unlink(path)  # fails on Windows while a writer has the file open
        return True
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a save in progress
        os.unlink(path)  # while holding the lock, so no writer can be starting on it
        return True
    finally:
        os.close(fd)


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
