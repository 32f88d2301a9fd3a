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
from typing import Any, TextIO

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


def hasher_for(file_hash: str) -> Any:
    """A fresh hashlib object for Keras's ``file_hash``: SHA-256 for 64 hex digits, MD5 for 32."""
    if len(file_hash) == 64:
        return hashlib.sha256()
    if len(file_hash) == 32:
        return hashlib.md5(usedforsecurity=False)
    raise ValueError(f"file_hash must be 64 (SHA-256) or 32 (MD5) hex digits; received {file_hash!r}")


def file_digest(path: str | os.PathLike[str], file_hash: str) -> str:
    """The digest of the file's bytes, with the algorithm ``file_hash`` implies (read in 1 MiB blocks)."""
    hasher = hasher_for(file_hash)
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            hasher.update(block)
    return hasher.hexdigest()


def check_digest(actual: str, expected: str, source: str | os.PathLike[str], what: str = "") -> None:
    """Raise :class:`ChecksumError` naming ``source`` and both digests unless they are equal."""
    if actual != expected.lower():
        kind = "SHA-256" if len(expected) == 64 else "MD5"
        expected_text = f"{expected} ({what})" if what else expected
        raise ChecksumError(f"{source}: checksum mismatch: the {kind} of the file is {actual}, expected "
                            f"{expected_text}; the file is corrupt, truncated or not the published one")


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
    file_hash: str | None = None,
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
        file_hash: hex digest of the file's bytes as downloaded (SHA-256 when 64 digits, MD5 when 32: Keras's
            ``file_hash`` convention), checked the same way.
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
    hasher = hasher_for(file_hash) if file_hash is not None else None
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            bar = _ProgressBar(dest.name, int(length) if length else None, stream or sys.stderr) if progress else None
            received = 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                received += len(chunk)
                if hasher is not None:
                    hasher.update(chunk)
                if bar:
                    bar.update(len(chunk))
            if bar:
                bar.close()
        if length and received < int(length):
            # http.client ends a cut connection as a short read, not an error: the length says it was cut.
            raise DownloadError(f"{url}: the connection closed after {received} of {length} bytes")
        if hasher is not None:
            check_digest(hasher.hexdigest(), file_hash, url, what)  # type: ignore[arg-type]
        if md5 is not None:
            check_md5(read_bytes(tmp), md5, url, what)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a cached dataset is not secret
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest
