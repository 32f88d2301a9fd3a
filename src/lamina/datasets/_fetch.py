"""Where dataset files live on disk, and how they get there: cache folder, checksums, downloads.

Downloads stream into a temporary file in the destination folder and are moved into place with ``os.replace``
only after their checksum matches, so an interrupted or corrupted download never leaves a file that looks
complete. Checksums are MD5s of the *uncompressed* content, so a file verifies whether it is stored gzip-compressed
or not.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from .idx import read_bytes


class ChecksumError(ValueError):
    """A data file's content does not have the MD5 checksum its publisher gives."""


class DownloadError(OSError):
    """No mirror delivered a file (network failure, HTTP error or checksum mismatch at every URL)."""


def data_home() -> Path:
    """Return Lamina's user cache folder: ``$XDG_CACHE_HOME/lamina``, else ``~/.cache/lamina``."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "lamina"


def cache_dir(name: str) -> Path:
    """Return the cache folder of one dataset, e.g. ``~/.cache/lamina/mnist`` (not created here)."""
    return data_home() / name


def md5_hex(data: bytes) -> str:
    """Return the hex MD5 of ``data``."""
    # usedforsecurity=False: an integrity check, not security; keeps MD5 available on FIPS-mode systems.
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def check_md5(data: bytes, expected: str, source: str | os.PathLike[str], what: str = "") -> None:
    """Raise :class:`ChecksumError` naming ``source`` and both checksums unless ``md5(data) == expected``.

    ``what`` names the expected file in the message, e.g. ``"MNIST train-images-idx3-ubyte"``.
    """
    actual = md5_hex(data)
    if actual != expected:
        expected_text = f"{expected} ({what})" if what else expected
        raise ChecksumError(
            f"{source}: checksum mismatch: MD5 of the uncompressed content is {actual}, expected {expected_text}; "
            f"the file is corrupt, truncated or not the file it is named after (delete it and fetch it again, "
            f"or pass verify=False to load it anyway)"
        )


class _ProgressBar:
    """A one-line progress bar on a text stream, redrawn only when the shown value changes."""

    def __init__(self, label: str, total: int | None, stream: TextIO, width: int = 30) -> None:
        self.label, self.total, self.stream, self.width = label, total, stream, width
        self.done = 0
        self._shown: int | None = None

    def update(self, n: int) -> None:
        self.done += n
        # Percent when the size is known, else whole MiB: at most ~100 redraws either way.
        key = self.done * 100 // self.total if self.total else self.done >> 20
        if key != self._shown:
            self._shown = key
            self._draw()

    def _draw(self) -> None:
        mib = self.done / 2**20
        if self.total:
            filled = min(self.width, self.done * self.width // self.total)
            bar = "#" * filled + "." * (self.width - filled)
            text = f"{self.label} [{bar}] {self.done * 100 // self.total:3d}% {mib:.1f}/{self.total / 2**20:.1f} MiB"
        else:
            text = f"{self.label} {mib:.1f} MiB"
        self.stream.write("\r" + text)
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def download(
    url: str,
    dest: str | os.PathLike[str],
    *,
    md5: str | None = None,
    what: str = "",
    progress: bool = True,
    timeout: float = 60.0,
    stream: TextIO | None = None,
) -> Path:
    """Download ``url`` to ``dest`` atomically, with a progress bar and an optional checksum.

    Args:
        url: any URL ``urllib`` opens (``https://``, ``http://``, ``file://``).
        dest: the final file; its folder is created if needed.
        md5: MD5 of the uncompressed content; a mismatch raises :class:`ChecksumError` and leaves ``dest``
            untouched.
        what: names the expected file in a checksum error.
        progress: draw a progress bar on ``stream`` (default ``sys.stderr``).
        timeout: seconds to wait for the server.

    Returns:
        ``dest`` as a Path.

    Example:
        >>> download("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
        ...          "t10k-labels-idx1-ubyte.gz", md5="27ae3e4e09519cfbb04c329615203637")  # doctest: +SKIP
    """
    import urllib.request  # imported here: it pulls in http, email and ssl, which `import lamina` does not need

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Same folder as dest, so os.replace is an atomic rename on one filesystem.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            bar = _ProgressBar(dest.name, int(length) if length else None, stream or sys.stderr) if progress else None
            while chunk := response.read(1 << 16):
                out.write(chunk)
                if bar:
                    bar.update(len(chunk))
            if bar:
                bar.close()
        if md5 is not None:
            check_md5(read_bytes(tmp), md5, url, what)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a cached dataset is not secret
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest
