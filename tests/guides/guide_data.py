"""The data of the keras.io guides, for the adapted copies in this folder.

The guides load MNIST with ``keras.datasets.mnist.load_data()``. Here ``mnist_like()`` returns MNIST itself (read
with ``lamina.datasets.mnist`` from ``$LAMINA_DATA``; never downloaded) or, where the files are absent (CI), the
UCI 8x8 digits packaged with Lamina laid out like MNIST: each pixel grown to a 3x3 block and the image padded by
2 pixels (8 * 3 + 4 = 28), values scaled from 0..16 to 0..255, so that every cell of the guides runs unchanged.
Accuracies are compared with Keras's only on MNIST.

NumPy and lamina.datasets only: the Keras run of the guides (run_with_keras.py) uses it too.
"""

from __future__ import annotations

import os

import numpy as np


def _digits_as_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    from lamina.datasets import digits

    def grow(images: np.ndarray) -> np.ndarray:
        big = np.kron(images, np.ones((3, 3), dtype=images.dtype))
        big = np.pad(big, ((0, 0), (2, 2), (2, 2)))
        return np.minimum(big.astype(np.int32) * 16, 255).astype(np.uint8)

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    return (grow(x_train), y_train), (grow(x_test), y_test)


def have_mnist() -> bool:
    """Whether ``$LAMINA_DATA`` holds the MNIST files."""
    if not os.environ.get("LAMINA_DATA"):
        return False
    from lamina.datasets import mnist
    try:
        mnist.load_data(download=False, verify=False)
    except (FileNotFoundError, ValueError):
        return False
    return True


def mnist_like(n_train: int | None = None, n_test: int | None = None):
    """``((x_train, y_train), (x_test, y_test))`` as ``keras.datasets.mnist.load_data()`` gives them (uint8 images
    of 28x28, uint8 labels), the first ``n_train`` / ``n_test`` of each (all by default); MNIST when available,
    else the packaged digits in MNIST's layout (see the module docstring)."""
    if have_mnist():
        from lamina.datasets import mnist
        (x_train, y_train), (x_test, y_test) = mnist.load_data(download=False)
    else:
        (x_train, y_train), (x_test, y_test) = _digits_as_mnist()
    return (x_train[:n_train], y_train[:n_train]), (x_test[:n_test], y_test[:n_test])
