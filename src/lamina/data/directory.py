"""Datasets from folders of files: ``image_dataset_from_directory`` and ``text_dataset_from_directory``.

The layout Keras expects: one sub-folder per class (``main/cats/*.jpg``, ``main/dogs/*.jpg``); the classes are
the sub-folders' names in alphanumeric order (or ``class_names``' order), label i for the i-th. The files are
listed as Keras lists them (sub-folders walked in sorted order, files sorted, extensions filtered), and shuffled
with Keras's generator (``numpy.random.RandomState(seed).shuffle``) before ``validation_split`` takes the last
``int(validation_split * n)`` for validation: the same seed gives the same training and validation files as
Keras. The returned Dataset then reads, decodes and resizes the files lazily, in parallel threads, shuffled
with a buffer of ``8 * batch_size`` (a different random order than TensorFlow's, the same files).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import image as image_ops
from ..random import make_rng
from .dataset import Dataset
from .structure import AUTOTUNE

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_LABEL_MODES = ("int", "categorical", "binary", None)
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def _check_common(function: str, labels: Any, label_mode: Any, class_names: Any, validation_split: Any,
                  subset: Any, shuffle: bool, seed: Any) -> None:
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"{function}: labels must be 'inferred', None or a list/tuple of integer labels, one "
                             f"per file in sorted order; received {labels!r}")
        if class_names:
            raise ValueError(f"{function}: class_names can only be given with labels='inferred'")
    if label_mode not in _LABEL_MODES:
        raise ValueError(f"{function}: label_mode must be 'int', 'categorical', 'binary' or None; received "
                         f"{label_mode!r}")
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{function}: validation_split must be between 0 and 1; received {validation_split!r}")
    if bool(validation_split) != bool(subset):
        raise ValueError(f"{function}: validation_split and subset go together: give both or neither (received "
                         f"validation_split={validation_split!r}, subset={subset!r})")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"{function}: subset must be 'training', 'validation' or 'both'; received {subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{function}: with validation_split and shuffle=True, give a seed, so that the training "
                         f"and validation subsets (two calls) are drawn from the same order and do not overlap")


def index_directory(directory: str, labels: Any, formats: tuple[str, ...], class_names: Any, shuffle: bool,
                    seed: int, follow_links: bool, verbose: bool) -> tuple[list[str], Any, list[str] | None]:
    """Every file of ``formats`` under ``directory`` with its label, in Keras's order (see the module doc)."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"directory {directory!r} does not exist or is not a folder")
    if labels == "inferred":
        subdirs = [name for name in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")]
        if class_names is not None:
            if not set(class_names) <= set(subdirs):
                raise ValueError(f"class_names {list(class_names)} do not match the sub-folders of {directory!r}: "
                                 f"expected names among {subdirs}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
    paths: list[str] = []
    found_labels: list[int] = []
    for index, subdir in enumerate(subdirs):
        folder = os.path.join(directory, subdir)
        walk = sorted(os.walk(folder, followlinks=follow_links), key=lambda entry: entry[0])
        for root, _, files in walk:
            for name in sorted(files):
                if name.lower().endswith(formats):
                    paths.append(os.path.join(directory, subdir, os.path.relpath(os.path.join(root, name), folder)))
                    found_labels.append(index)
    if labels == "inferred":
        label_array: Any = np.asarray(found_labels, dtype=np.int32)
        names: list[str] | None = list(subdirs)
    elif labels is None:
        label_array, names = None, None
    else:
        if len(labels) != len(paths):
            raise ValueError(f"labels has {len(labels)} entries but {len(paths)} files were found in "
                             f"{directory!r}; give one label per file")
        label_array = np.asarray(labels)
        names = [str(label) for label in sorted(set(labels))]
    if verbose:
        print(f"Found {len(paths)} files." if label_array is None else
              f"Found {len(paths)} files belonging to {len(names or [])} classes.")
    if shuffle:
        # Keras's generator and order of calls, so that a seed picks the same files as in Keras.
        np.random.RandomState(seed).shuffle(paths)
        if label_array is not None:
            np.random.RandomState(seed).shuffle(label_array)
    return paths, label_array, names


def training_or_validation(paths: list[str], labels: Any, validation_split: float | None, subset: str | None,
                           verbose: bool) -> tuple[list[str], Any]:
    """Keras's split: the last ``int(validation_split * n)`` files are the validation subset."""
    if not validation_split:
        return paths, labels
    count = int(validation_split * len(paths))
    if subset == "training":
        if verbose:
            print(f"Using {len(paths) - count} files for training.")
        return paths[:len(paths) - count], None if labels is None else labels[:len(paths) - count]
    if verbose:
        print(f"Using {count} files for validation.")
    return paths[len(paths) - count:], None if labels is None else labels[len(paths) - count:]


def encode_labels(labels: np.ndarray, label_mode: str, num_classes: int) -> np.ndarray:
    """int: int32 indices; categorical: float32 one-hot rows; binary: float32 of shape (n, 1)."""
    if label_mode == "binary":
        return labels.astype(np.float32)[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[labels]
    return labels.astype(np.int32)


def _files_dataset(paths: list[str], labels: Any, label_mode: Any, num_classes: int, load: Any, shuffle: bool,
                   batch_size: int | None, seed: int) -> Dataset:
    dataset = Dataset.from_tensor_slices(np.asarray(paths, dtype=str))
    if label_mode:
        dataset = Dataset.zip(dataset, Dataset.from_tensor_slices(encode_labels(labels, label_mode, num_classes)))
    if shuffle:
        dataset = dataset.shuffle(batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if label_mode:
        dataset = dataset.map(lambda path, label: (load(path), label), num_parallel_calls=AUTOTUNE)
    else:
        dataset = dataset.map(load, num_parallel_calls=AUTOTUNE)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch(AUTOTUNE)


def _build(function: str, kind: str, directory: str, labels: Any, label_mode: Any, class_names: Any, formats: Any,
           load: Any, batch_size: int | None, shuffle: bool, seed: Any, validation_split: Any, subset: Any,
           follow_links: bool, verbose: bool) -> Any:
    """Index, split and wrap: the part both directory functions share."""
    _check_common(function, labels, label_mode, class_names, validation_split, subset, shuffle, seed)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if seed is None:
        seed = int(make_rng().integers(1_000_000))
    paths, all_labels, names = index_directory(directory, labels, formats, class_names, shuffle, seed,
                                               follow_links, verbose)
    if label_mode == "binary" and len(names or []) != 2:
        raise ValueError(f"{function}: label_mode='binary' needs exactly 2 classes; found class_names={names}")
    num_classes = len(names) if names else 0
    subsets = ("training", "validation") if subset == "both" else (subset,)
    datasets = []
    for part in subsets:
        part_paths, part_labels = training_or_validation(paths, all_labels, validation_split, part, verbose)
        if not part_paths:
            which = f"{part} " if part else ""
            raise ValueError(f"{function}: no {which}{kind} files found in directory {directory!r} (allowed "
                             f"formats: {formats})")
        dataset = _files_dataset(part_paths, part_labels, label_mode, num_classes, load,
                                 shuffle and part != "validation" if subset == "both" else shuffle, batch_size, seed)
        dataset.class_names = names
        dataset.file_paths = part_paths
        datasets.append(dataset)
    return datasets if subset == "both" else datasets[0]


def image_dataset_from_directory(directory: str, labels: Any = "inferred", label_mode: str | None = "int",
                                 class_names: list[str] | None = None, color_mode: str = "rgb",
                                 batch_size: int | None = 32, image_size: Any = (256, 256), shuffle: bool = True,
                                 seed: int | None = None, validation_split: float | None = None,
                                 subset: str | None = None, interpolation: str = "bilinear",
                                 follow_links: bool = False, crop_to_aspect_ratio: bool = False,
                                 pad_to_aspect_ratio: bool = False, data_format: str | None = None,
                                 verbose: bool = True) -> Any:
    """A Dataset of ``(images, labels)`` batches from a folder with one sub-folder of images per class.

    Images (PNG, JPEG, GIF, BMP; decoded by Pillow, the ``images`` extra) are converted to ``color_mode``
    ('rgb', 'rgba', 'grayscale') and resized to ``image_size`` (``lamina.image.resize`` with ``interpolation``,
    float32 values 0..255), or center-cropped / padded to its aspect ratio first. Labels: 'int' (int32),
    'categorical' (one-hot float32), 'binary' (float32 of shape (n, 1), two classes), None (images only).

    With ``validation_split`` and ``subset`` ('training', 'validation', or 'both' for the two datasets) and a
    ``seed``, two calls split the same shuffled file list. The dataset has ``class_names`` and ``file_paths``.

    Example (a folder ``flowers/`` with one subfolder of images per class)::

        train, val = image_dataset_from_directory("flowers", validation_split=0.2, subset="both", seed=123,
                                                  image_size=(180, 180), batch_size=32)
        train.class_names   # ['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips']
    """
    function = "image_dataset_from_directory"
    if color_mode not in _CHANNELS:
        raise ValueError(f"{function}: color_mode must be 'rgb', 'rgba' or 'grayscale'; received {color_mode!r}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"{function}: image_size must be (height, width); received {image_size!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{function}: give at most one of crop_to_aspect_ratio and pad_to_aspect_ratio")
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(f"{function}: data_format must be 'channels_last' or 'channels_first'; received "
                         f"{data_format!r}")
    interpolation = interpolation.lower()
    image_ops.pillow()  # fail now, with the extra's name, rather than inside the first batch
    size = (int(image_size[0]), int(image_size[1]))
    channels = _CHANNELS[color_mode]

    def load(path: np.str_) -> np.ndarray:
        with open(str(path), "rb") as file:
            pixels = image_ops.decode_image(file.read(), channels=channels)
        if crop_to_aspect_ratio:
            pixels = _crop_to_aspect_ratio(pixels, size)
        if pad_to_aspect_ratio:
            pixels = image_ops.resize_with_pad(pixels, size[0], size[1], method=interpolation)
        else:
            pixels = image_ops.resize(pixels, size, method=interpolation)
        return pixels.transpose(2, 0, 1) if data_format == "channels_first" else pixels

    return _build(function, "image", directory, labels, label_mode, class_names, IMAGE_FORMATS, load, batch_size,
                  shuffle, seed, validation_split, subset, follow_links, verbose)


def _crop_to_aspect_ratio(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The largest centred crop with the aspect ratio of ``size`` (Keras's ``smart_resize``)."""
    height, width = pixels.shape[:2]
    crop_height = min(height, int(width * size[0] / size[1]))
    crop_width = min(width, int(height * size[1] / size[0]))
    top, left = int((height - crop_height) / 2), int((width - crop_width) / 2)
    return pixels[top:top + crop_height, left:left + crop_width]


def text_dataset_from_directory(directory: str, labels: Any = "inferred", label_mode: str | None = "int",
                                class_names: list[str] | None = None, batch_size: int | None = 32,
                                max_length: int | None = None, shuffle: bool = True, seed: int | None = None,
                                validation_split: float | None = None, subset: str | None = None,
                                follow_links: bool = False, verbose: bool = True) -> Any:
    """A Dataset of ``(texts, labels)`` batches from a folder with one sub-folder of ``.txt`` files per class.

    Texts are the files' bytes (NumPy ``bytes_``, as TensorFlow's strings), cut to ``max_length`` bytes when
    given. Labels, splitting and ``class_names`` as in ``image_dataset_from_directory``.
    """
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int)
                                   or max_length < 0):
        raise ValueError(f"text_dataset_from_directory: max_length must be a non-negative integer or None; "
                         f"received {max_length!r}")

    def load(path: np.str_) -> np.bytes_:
        with open(str(path), "rb") as file:
            text = file.read()
        return np.bytes_(text if max_length is None else text[:max_length])

    return _build("text_dataset_from_directory", "text", directory, labels, label_mode, class_names, (".txt",),
                  load, batch_size, shuffle, seed, validation_split, subset, follow_links, verbose)
