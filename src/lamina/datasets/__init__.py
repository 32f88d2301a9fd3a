"""Data for Lamina: real image sets read from their publishers' files, and small synthetic sets.

Real data, each ``load_data()`` returning ``((x_train, y_train), (x_test, y_test))`` like Keras:

- :mod:`~lamina.datasets.digits`: the UCI 8x8 digits, shipped inside the package (works offline);
- :mod:`~lamina.datasets.mnist`, :mod:`~lamina.datasets.fashion_mnist`: IDX files found via ``path``,
  ``$LAMINA_DATA``, the user cache or ``/usr/share/datasets``, else downloaded and checked against MD5s.

Synthetic: :func:`xor`, :func:`two_moons`, :func:`two_spirals`, :func:`circles`, :func:`smooth_function`.

Importing this package does no I/O; files are read (and the network touched) only by ``load_data``.

Example:
    >>> from lamina.datasets import digits, two_moons
    >>> (x_train, y_train), (x_test, y_test) = digits.load_data()
    >>> X, y = two_moons(200, noise=0.1, seed=0)
"""
from . import digits, fashion_mnist, mnist, synthetic
from ._fetch import ChecksumError, DownloadError, data_home
from .idx import read_idx, write_idx
from .synthetic import circles, smooth_function, smooth_target, two_moons, two_spirals, xor

__all__ = [
    "ChecksumError",
    "DownloadError",
    "circles",
    "data_home",
    "digits",
    "fashion_mnist",
    "mnist",
    "read_idx",
    "smooth_function",
    "smooth_target",
    "synthetic",
    "two_moons",
    "two_spirals",
    "write_idx",
    "xor",
]
