"""Fashion-MNIST (Zalando Research, MIT licence): 28x28 grey images of clothing in 10 classes, 60,000 / 10,000.

Same file names and layout as MNIST. Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot (see :data:`CLASS_NAMES`).

Example:
    >>> from lamina.datasets import fashion_mnist
    >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()  # doctest: +SKIP
"""
from __future__ import annotations

import os
from pathlib import Path

from ._idx_set import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, IdxDataset, Split, load

CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

# MD5s of the uncompressed publisher files, computed from the files Zalando distributes.
FASHION_MNIST = IdxDataset(
    name="fashion-mnist",
    title="Fashion-MNIST",
    md5={
        TRAIN_IMAGES: "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        TRAIN_LABELS: "9018921c3c673c538a1fc5bad174d6f9",
        TEST_IMAGES: "8181f5470baa50b63fa0f6fddb340f0a",
        TEST_LABELS: "15d484375f8d13e6eb1aabb0c3f46965",
    },
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    # Debian's dataset-fashion-mnist package installs the publisher's .gz files here.
    system_dirs=(Path("/usr/share/datasets/fashion-mnist"),),
)


def load_data(
    path: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
    download: bool = True,
    progress: bool = True,
) -> tuple[Split, Split]:
    """Load Fashion-MNIST as ``((x_train, y_train), (x_test, y_test))``, Keras's layout.

    Args:
        path: a folder holding the four IDX files (plain or ``.gz``), or holding them in ``fashion-mnist/``.
            When None, ``$LAMINA_DATA`` (``$LAMINA_DATA/fashion-mnist/`` or the folder itself), the user cache
            (``~/.cache/lamina/fashion-mnist``) and Debian's ``/usr/share/datasets/fashion-mnist`` are searched,
            and the files are downloaded into the cache when none holds them.
        verify: check each file's MD5 against the publisher's.
        download: allow the download; when false a missing dataset raises FileNotFoundError.
        progress: show a progress bar on stderr while downloading.

    Returns:
        x_train uint8 (60000, 28, 28), y_train uint8 (60000,), x_test uint8 (10000, 28, 28), y_test uint8 (10000,).

    Raises:
        ChecksumError: a file is not the publisher's (message names the file and both MD5s).
        ValueError: a file is truncated, over-long or not IDX (message names the file).
    """
    return load(FASHION_MNIST, path, verify=verify, download=download, progress=progress)
