"""The UCI optical recognition of handwritten digits, 8x8 images: shipped inside Lamina, so it works offline.

1,797 images of the digits 0..9, each 8x8 pixel counts 0..16 (E. Alpaydin, C. Kaynak, 1998; CC BY 4.0, see
``data/DIGITS_LICENSE.txt``). Stored as ``data/digits.csv.gz``: one row per image, 64 pixel values in row-major
order, then the label.

Example:
    >>> from lamina.datasets import digits
    >>> (x_train, y_train), (x_test, y_test) = digits.load_data()
    >>> x_train.shape, x_test.shape, int(x_train.max())
    ((1438, 8, 8), (359, 8, 8), 16)
"""
from __future__ import annotations

import gzip
from functools import lru_cache

import numpy as np

from ._idx_set import Split

N_SAMPLES = 1797
MAX_PIXEL = 16


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """Parse the packaged CSV once: uint8 (1797, 65), pixels then label. Callers must not modify it."""
    from importlib import resources  # here, not at the top: keeps `import lamina.datasets` cheap

    source = resources.files(__package__) / "data" / "digits.csv.gz"
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="ascii") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64, ndmin=2)
    # The file ships with the package, but a damaged install must fail loudly, not train on garbage.
    if table.shape != (N_SAMPLES, 65):
        raise ValueError(f"{source}: expected {N_SAMPLES} rows of 65 values, received shape {table.shape}")
    if table[:, :64].min() < 0 or table[:, :64].max() > MAX_PIXEL or not np.isin(table[:, 64], range(10)).all():
        raise ValueError(f"{source}: pixel values outside 0..{MAX_PIXEL} or labels outside 0..9")
    table = table.astype(np.uint8)
    table.flags.writeable = False
    return table


def load_flat() -> tuple[np.ndarray, np.ndarray]:
    """Return all 1,797 images and labels in file order: x uint8 (1797, 8, 8) with values 0..16, y uint8 (1797,)."""
    table = _table()
    return table[:, :64].reshape(-1, 8, 8).copy(), table[:, 64].copy()


def split_indices(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split of ``range(len(y))``: ``round(test_fraction * count)`` of each class go to the test set.

    Within each class the test examples are the first ones of a permutation drawn from
    ``np.random.default_rng(seed)``; both index arrays are returned sorted, so the examples keep the file's order.
    """
    rng = np.random.default_rng(seed)
    test_parts = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n_test = int(round(test_fraction * len(members)))
        test_parts.append(rng.permutation(members)[:n_test])
    test = np.sort(np.concatenate(test_parts))
    train = np.setdiff1d(np.arange(len(y)), test)  # sorted, disjoint from test
    return train, test


def load_data(test_fraction: float = 0.2, seed: int = 0) -> tuple[Split, Split]:
    """Load the packaged 8x8 digits as ``((x_train, y_train), (x_test, y_test))``, like ``mnist.load_data()``.

    The split is deterministic and stratified: for each digit, ``round(test_fraction * count)`` examples chosen by
    a permutation from ``np.random.default_rng(seed)`` form the test set (359 of 1,797 at the defaults), the
    rest the training set; both keep the file's order (shuffle while training).

    Args:
        test_fraction: share of each class held out for testing, in (0, 1).
        seed: seed of the split's permutation; a fixed seed gives a fixed split.

    Returns:
        x_train uint8 (N_train, 8, 8) and x_test uint8 (N_test, 8, 8) with pixel values 0..16 (divide by 16 to
        scale to [0, 1]); y_train, y_test uint8 labels 0..9.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), received {test_fraction}")
    x, y = load_flat()
    train, test = split_indices(y, test_fraction, seed)
    return (x[train], y[train]), (x[test], y[test])
