"""MNIST handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges): 60,000 training and 10,000 test images.

Example:
    >>> from lamina.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_train.shape  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'), (60000,))
"""
from __future__ import annotations

import os
from pathlib import Path

from ._idx_set import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS, IdxDataset, Split, load

# MD5s of the uncompressed publisher files (those of ../shared/datasets/README.md).
MNIST = IdxDataset(
    name="mnist",
    title="MNIST",
    md5={
        TRAIN_IMAGES: "6bbc9ace898e44ae57da46a324031adb",
        TRAIN_LABELS: "a25bea736e30d166cdddb491f175f624",
        TEST_IMAGES: "2646ac647ad5339dbf082846283269ea",
        TEST_LABELS: "27ae3e4e09519cfbb04c329615203637",
    },
    # yann.lecun.com often refuses downloads now, so the widely used S3 mirror (PyTorch's) comes first.
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    system_dirs=(Path("/usr/share/datasets/mnist"),),
)


def load_data(
    path: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
    download: bool = True,
    progress: bool = True,
) -> tuple[Split, Split]:
    """Load MNIST as ``((x_train, y_train), (x_test, y_test))``, Keras's layout.

    Args:
        path: a folder holding the four IDX files (plain or ``.gz``), or holding them in ``mnist/``. When None,
            ``$LAMINA_DATA`` (``$LAMINA_DATA/mnist/`` or the folder itself), the user cache
            (``~/.cache/lamina/mnist``) and ``/usr/share/datasets/mnist`` are searched, and the files are
            downloaded into the cache when none holds them.
        verify: check each file's MD5 against the publisher's.
        download: allow the download; when false a missing dataset raises FileNotFoundError.
        progress: show a progress bar on stderr while downloading.

    Returns:
        x_train uint8 (60000, 28, 28), y_train uint8 (60000,), x_test uint8 (10000, 28, 28), y_test uint8 (10000,);
        pixel values 0..255, labels 0..9.

    Raises:
        ChecksumError: a file is not the publisher's (message names the file and both MD5s).
        ValueError: a file is truncated, over-long or not IDX (message names the file).
    """
    return load(MNIST, path, verify=verify, download=download, progress=progress)
