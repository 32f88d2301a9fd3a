"""Record tf.data's, tf.image's and Keras's data utilities' answers for tests/test_data_vs_tf.py.

    /path/to/tensorflow-venv/bin/python tests/data/tf_data/make_fixtures.py

Writes, next to this file:
- ``pipelines.json``: for each pipeline of ``pipelines.py``, TensorFlow's cardinality, element_spec and elements
  (not for infinite ones), and seed-independent shuffle runs (``shuffle`` below);
- ``utilities.json``: ``timeseries_dataset_from_array`` windows, ``split_dataset`` halves,
  ``image_dataset_from_directory`` / ``text_dataset_from_directory`` class names, file lists, split sizes and (in
  order) contents, for folders described in ``folders`` (the test writes the same files, as lossless PNGs);
- ``images.npz``: tf.image results (resize by each method, flips, rot90, convert_image_dtype) on fixed inputs.
Every expected value in the tests comes from these files, none is written by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pipelines import INFINITE, PIPELINES, build, encode, encode_spec  # noqa: E402

tf.autograph.set_verbosity(0)


def elements(dataset: tf.data.Dataset) -> list:
    return [encode(element) for element in dataset.as_numpy_iterator()]


def pipelines() -> dict:
    cases = {}
    for name, steps in PIPELINES.items():
        dataset = build(tf.data.Dataset, steps, tf.data.AUTOTUNE)
        case = {"steps": steps, "cardinality": int(dataset.cardinality()),
                "element_spec": encode_spec(dataset.element_spec)}
        if name not in INFINITE:
            case["elements"] = elements(dataset)
        cases[name] = case
    return cases


def shuffle_runs() -> dict:
    """Shuffled orders for 30 seeds each: the test checks, on these and on Lamina's own, the properties that do
    not depend on the generator (a permutation; the k-th output among the first buffer_size + k inputs; a buffer
    of 1 keeps the order; a new order per iteration unless reshuffle_each_iteration=False)."""
    runs = {}
    for size, buffer in ((20, 1), (20, 3), (20, 8), (20, 100)):
        runs[f"n{size}_buffer{buffer}"] = {
            "size": size, "buffer": buffer,
            "orders": [[int(v) for v in tf.data.Dataset.range(size).shuffle(buffer, seed=seed).as_numpy_iterator()]
                       for seed in range(30)]}
    epochs = {}
    for reshuffle in (True, False):
        dataset = tf.data.Dataset.range(10).shuffle(10, seed=3, reshuffle_each_iteration=reshuffle)
        epochs[str(reshuffle)] = [[int(v) for v in dataset.as_numpy_iterator()] for _ in range(3)]
    repeated = tf.data.Dataset.range(10).shuffle(10, seed=4).repeat(3)
    runs["epochs"] = epochs
    runs["shuffle_then_repeat"] = [int(v) for v in repeated.as_numpy_iterator()]
    return runs


def timeseries() -> list:
    data = np.arange(40, dtype=np.float32).reshape(20, 2) * np.array([1, -1], np.float32)
    targets = np.arange(20, dtype=np.int64) * 10
    configs = [
        {"sequence_length": 4},
        {"sequence_length": 3, "sequence_stride": 2, "sampling_rate": 2, "batch_size": 4},
        {"sequence_length": 5, "sampling_rate": 3, "batch_size": None},
        {"sequence_length": 2, "start_index": 3, "end_index": 15, "batch_size": 5},
        {"sequence_length": 4, "sequence_stride": 3, "with_targets": True, "batch_size": 3},
        {"sequence_length": 3, "start_index": 2, "end_index": 18, "with_targets": True, "batch_size": 4},
        {"sequence_length": 3, "shuffle": True, "seed": 5, "with_targets": True, "batch_size": 4},
    ]
    results = []
    for config in configs:
        arguments = {key: value for key, value in config.items() if key != "with_targets"}
        dataset = keras.utils.timeseries_dataset_from_array(
            data, targets if config.get("with_targets") else None, **arguments)
        results.append({"config": config, "elements": elements(dataset),
                        "cardinality": int(dataset.cardinality())})
    return results


def split() -> list:
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10, dtype=np.int64)
    results = []
    for arguments in ({"left_size": 0.7}, {"right_size": 3}, {"left_size": 4, "right_size": 5},
                      {"left_size": 0.6, "shuffle": True, "seed": 11}):
        left, right = keras.utils.split_dataset((x, y), **arguments)
        results.append({"input": "tuple", "arguments": arguments, "left": elements(left), "right": elements(right)})
    left, right = keras.utils.split_dataset(np.arange(8), left_size=0.5, shuffle=True, seed=2)
    results.append({"input": "array", "arguments": {"left_size": 0.5, "shuffle": True, "seed": 2},
                    "left": elements(left), "right": elements(right)})
    batched = tf.data.Dataset.from_tensor_slices((x, y)).batch(3)
    left, right = keras.utils.split_dataset(batched, left_size=0.8)
    results.append({"input": "batched_dataset", "arguments": {"left_size": 0.8}, "left": elements(left),
                    "right": elements(right)})
    return results


def folder_layout(seed: int) -> list:
    """(relative path, height, width, pixels as a flat list) for a small class-folder tree."""
    rng = np.random.default_rng(seed)
    files = []
    for label, name in enumerate(("cats", "dogs", "emus")):
        for index in range(5 + label):
            height, width = int(rng.integers(4, 9)), int(rng.integers(4, 9))
            pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
            sub = "nested/" if index == 0 and label == 1 else ""
            files.append([f"{name}/{sub}img{index}.png", pixels.tolist()])
    files.append(["cats/notes.txt", None])  # not an image: must be skipped
    return files


def write_folder(root: str, files: list) -> None:
    for relative, pixels in files:
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if pixels is None:
            with open(path, "w") as file:
                file.write("not an image")
        else:
            tf.io.write_file(path, tf.io.encode_png(np.asarray(pixels, np.uint8)))


def relative(paths: list, root: str) -> list:
    return [os.path.relpath(path, root) for path in paths]


def image_directories() -> dict:
    files = folder_layout(0)
    root = tempfile.mkdtemp()
    try:
        write_folder(root, files)
        runs = []
        configs = [
            {"shuffle": False, "image_size": (6, 5), "batch_size": 4},
            {"shuffle": False, "image_size": (6, 5), "batch_size": 4, "label_mode": "categorical",
             "interpolation": "nearest"},
            {"shuffle": False, "image_size": (5, 5), "batch_size": None, "label_mode": None, "color_mode": "grayscale"},
            {"shuffle": False, "image_size": (4, 6), "batch_size": 8, "crop_to_aspect_ratio": True},
            {"shuffle": False, "image_size": (4, 6), "batch_size": 8, "pad_to_aspect_ratio": True},
            {"shuffle": False, "image_size": (6, 5), "batch_size": 3, "class_names": ["emus", "cats"]},
            {"validation_split": 0.25, "subset": "training", "seed": 7, "image_size": (6, 5)},
            {"validation_split": 0.25, "subset": "validation", "seed": 7, "image_size": (6, 5)},
            {"validation_split": 0.3, "subset": "both", "seed": 123, "image_size": (6, 5), "batch_size": 2},
        ]
        for config in configs:
            result = keras.utils.image_dataset_from_directory(root, verbose=False, **config)
            datasets = result if isinstance(result, list) else [result]
            runs.append({"config": config, "subsets": [
                {"class_names": ds.class_names, "file_paths": relative(ds.file_paths, root),
                 "cardinality": int(ds.cardinality()),
                 "elements": elements(ds) if not config.get("seed") else None} for ds in datasets]})
        binary_root = tempfile.mkdtemp()
        two_classes = [entry for entry in files if entry[0].startswith(("cats/", "emus/"))]
        write_folder(binary_root, two_classes)
        ds = keras.utils.image_dataset_from_directory(binary_root, shuffle=False, image_size=(3, 3),
                                                      label_mode="binary", verbose=False)
        binary = {"files": two_classes, "labels": [encode(y) for _, y in ds.as_numpy_iterator()]}
        shutil.rmtree(binary_root)
    finally:
        shutil.rmtree(root)
    return {"files": files, "runs": runs, "binary": binary}


def text_directories() -> dict:
    texts = {"neg/a.txt": "bad movie", "neg/b.txt": "awful\nplot", "pos/c.txt": "great fun", "pos/d.txt": "lovely",
             "pos/e.txt": "best film ever made", "pos/skip.md": "not a text file"}
    root = tempfile.mkdtemp()
    try:
        for name, text in texts.items():
            os.makedirs(os.path.join(root, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(root, name), "w") as file:
                file.write(text)
        runs = []
        for config in ({"shuffle": False, "batch_size": 2}, {"shuffle": False, "batch_size": None, "max_length": 5},
                       {"validation_split": 0.4, "subset": "training", "seed": 3, "batch_size": 10},
                       {"validation_split": 0.4, "subset": "validation", "seed": 3, "batch_size": 10}):
            ds = keras.utils.text_dataset_from_directory(root, verbose=False, **config)
            runs.append({"config": config, "class_names": ds.class_names, "cardinality": int(ds.cardinality()),
                         "elements": elements(ds) if not config.get("seed") else None,
                         "texts": sorted(t.decode() for x, _ in ds.as_numpy_iterator()
                                         for t in np.atleast_1d(x))})
    finally:
        shutil.rmtree(root)
    return {"texts": texts, "runs": runs}


def images() -> dict:
    rng = np.random.default_rng(1)
    arrays = {}
    float_image = rng.random((7, 9, 2)).astype(np.float32)
    uint8_image = rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)
    batch = rng.random((2, 6, 4, 1)).astype(np.float32)
    arrays["float_image"], arrays["uint8_image"], arrays["batch"] = float_image, uint8_image, batch
    sizes = [(3, 4), (14, 5), (7, 9), (4, 17), (1, 1), (5, 2)]
    for method in ("bilinear", "nearest"):
        for antialias in (False, True):
            for index, size in enumerate(sizes):
                key = f"resize_{method}_{'aa' if antialias else 'plain'}_{index}"
                arrays[key + "_float"] = tf.image.resize(float_image, size, method, antialias=antialias).numpy()
                arrays[key + "_uint8"] = tf.image.resize(uint8_image, size, method, antialias=antialias).numpy()
            arrays[f"resize_{method}_{'aa' if antialias else 'plain'}_batch"] = tf.image.resize(
                batch, (3, 7), method, antialias=antialias).numpy()
    arrays["resize_sizes"] = np.asarray(sizes)
    arrays["resize_preserve"] = tf.image.resize(float_image, (4, 4), preserve_aspect_ratio=True).numpy()
    arrays["resize_with_pad"] = tf.image.resize_with_pad(float_image, 6, 4).numpy()
    arrays["resize_with_pad_wide"] = tf.image.resize_with_pad(uint8_image, 9, 12).numpy()
    arrays["flip_left_right"] = tf.image.flip_left_right(uint8_image).numpy()
    arrays["flip_up_down"] = tf.image.flip_up_down(uint8_image).numpy()
    for k in range(-1, 5):
        arrays[f"rot90_{k}"] = tf.image.rot90(uint8_image, k).numpy()
    arrays["rot90_batch"] = tf.image.rot90(batch, 1).numpy()
    arrays["convert_uint8_float32"] = tf.image.convert_image_dtype(uint8_image, tf.float32).numpy()
    values = np.array([[[-0.2], [0.0], [0.5], [0.999], [1.0], [1.3]]], np.float32)
    arrays["float_values"] = values
    arrays["convert_float32_uint8"] = tf.image.convert_image_dtype(values.clip(0, 1), tf.uint8).numpy()
    arrays["convert_float32_uint8_saturate"] = tf.image.convert_image_dtype(values, tf.uint8, saturate=True).numpy()
    arrays["convert_uint8_int16"] = tf.image.convert_image_dtype(uint8_image, tf.int16).numpy()
    arrays["convert_int16_uint8"] = tf.image.convert_image_dtype(arrays["convert_uint8_int16"], tf.uint8).numpy()
    arrays["adjust_brightness_uint8"] = tf.image.adjust_brightness(uint8_image, 0.1).numpy()
    arrays["adjust_brightness_float"] = tf.image.adjust_brightness(float_image, -0.25).numpy()
    return arrays


def main() -> None:
    with open(os.path.join(HERE, "pipelines.json"), "w") as file:
        json.dump({"tensorflow": tf.__version__, "pipelines": pipelines(), "shuffle": shuffle_runs()}, file)
    with open(os.path.join(HERE, "utilities.json"), "w") as file:
        json.dump({"tensorflow": tf.__version__, "keras": keras.__version__, "timeseries": timeseries(),
                   "split": split(), "image_directories": image_directories(), "text_directories":
                   text_directories()}, file)
    np.savez_compressed(os.path.join(HERE, "images.npz"), **images())
    print("wrote pipelines.json, utilities.json, images.npz with TensorFlow", tf.__version__)


if __name__ == "__main__":
    main()
