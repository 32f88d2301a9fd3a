"""``keras.datasets.boston_housing``: 506 Boston suburbs (1970s), 13 features, the median home value (k$).

As Keras: the samples are shuffled with ``np.random.RandomState(seed)`` (without touching NumPy's global
generator), then the first ``1 - test_split`` of them are the training set. The file is Keras's
``boston_housing.npz`` (SHA-256 ``f553886a...``), read with ``allow_pickle=False``.
"""

from __future__ import annotations

import numpy as np

from ._keras_files import KERAS_ORIGIN, get_file

BOSTON_SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def boston_housing_load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
                             ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """x float64 (404, 13) and y float64 (404,) for training, (102, 13) and (102,) for testing (at 0.2)."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1); received {test_split!r}")
    file = get_file(path, KERAS_ORIGIN + "boston_housing.npz", BOSTON_SHA256, "boston_housing")
    try:
        with np.load(file, allow_pickle=False) as arrays:
            x, y = arrays["x"], arrays["y"]
    except (KeyError, OSError, ValueError) as problem:
        raise ValueError(f"{file}: not Keras's Boston housing file ({problem})") from None
    if x.ndim != 2 or y.shape != x.shape[:1] or x.dtype.kind != "f" or y.dtype.kind != "f":
        raise ValueError(f"{file}: expected x of shape (N, features) and N targets, floating; received "
                         f"{x.dtype} {x.shape} and {y.dtype} {y.shape}")
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))
