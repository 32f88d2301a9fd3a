"""Keras's data utilities (keras.utils.*): against Keras's own answers recorded by
tests/data/tf_data/make_fixtures.py, and on files made here (PNG and JPEG through Pillow)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from lamina import data
from lamina.keras import utils

FIXTURES = Path(__file__).parent / "data" / "tf_data"
RECORDED = json.loads((FIXTURES / "utilities.json").read_text())

try:
    from PIL import Image
except ImportError:  # the `images` extra; CI installs it through the `test` extra
    Image = None
needs_pillow = pytest.mark.skipif(Image is None, reason="Pillow (the 'images' extra) is not installed")

# TensorFlow's resize kernels and Lamina's compute the same float32 formula, but in a different order of
# operations for the antialiased kernel; 1e-4 of a 0..255 pixel is far below one grey level.
PIXEL_TOLERANCE = 1e-4


def decode(encoded):
    """A fixture element back into NumPy."""
    if "tuple" in encoded:
        return tuple(decode(item) for item in encoded["tuple"])
    if "dict" in encoded:
        return {key: decode(item) for key, item in encoded["dict"].items()}
    if encoded["dtype"] == "bytes":
        return np.array(encoded["value"], dtype=object)
    return np.array(encoded["value"], dtype=encoded["dtype"]).reshape(encoded["shape"])


def assert_same(ours, expected, tolerance: float = 0.0) -> None:
    if isinstance(expected, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(expected)
        for a, b in zip(ours, expected):
            assert_same(a, b, tolerance)
        return
    ours = np.asarray(ours)
    if expected.dtype == object:  # strings: TensorFlow's bytes
        assert [bytes(v).decode() for v in np.atleast_1d(ours)] == list(np.atleast_1d(expected))
        return
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=0, atol=tolerance)


def assert_elements(dataset, recorded, tolerance: float = 0.0) -> None:
    ours = list(dataset.as_numpy_iterator())
    assert len(ours) == len(recorded)
    for element, expected in zip(ours, recorded):
        assert_same(element, decode(expected), tolerance)


# ----- timeseries_dataset_from_array ------------------------------------------------------------------------
def timeseries_inputs():
    data_array = np.arange(40, dtype=np.float32).reshape(20, 2) * np.array([1, -1], np.float32)
    return data_array, np.arange(20, dtype=np.int64) * 10


@pytest.mark.parametrize("index", range(len(RECORDED["timeseries"])))
def test_timeseries_windows_match_keras(index: int) -> None:
    run = RECORDED["timeseries"][index]
    config = dict(run["config"])
    values, targets = timeseries_inputs()
    with_targets = config.pop("with_targets", False)
    dataset = utils.timeseries_dataset_from_array(values, targets if with_targets else None, **config)
    assert int(dataset.cardinality()) == run["cardinality"]
    if not config.get("shuffle"):
        assert_elements(dataset, run["elements"])
        return
    # Shuffled: TensorFlow's buffer order is not reproducible here, but the windows (and their targets) are.
    def pairs(elements):
        return sorted((tuple(w.ravel()), int(t)) for x, y in elements for w, t in zip(x, y))
    ours = pairs(dataset.as_numpy_iterator())
    theirs = pairs(decode(e) for e in run["elements"])
    assert ours == theirs


def test_timeseries_windows_equal_a_numpy_reference() -> None:
    rng = np.random.default_rng(0)
    series = rng.normal(size=(50, 3)).astype(np.float32)
    targets = rng.integers(0, 5, size=50)
    length, stride, rate, start, end = 6, 3, 2, 4, 45
    dataset = utils.timeseries_dataset_from_array(series, targets, sequence_length=length, sequence_stride=stride,
                                                  sampling_rate=rate, batch_size=4, start_index=start,
                                                  end_index=end)
    windows = np.concatenate([x for x, _ in dataset.as_numpy_iterator()])
    labels = np.concatenate([y for _, y in dataset.as_numpy_iterator()])
    starts = range(start, end - (length - 1) * rate, stride)
    expected = np.stack([series[s:s + length * rate:rate] for s in starts])
    np.testing.assert_array_equal(windows, expected)
    np.testing.assert_array_equal(labels, targets[list(starts)])


def test_timeseries_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="sequence_length"):
        utils.timeseries_dataset_from_array(np.arange(10), None, sequence_length=0)
    with pytest.raises(ValueError, match="end_index"):
        utils.timeseries_dataset_from_array(np.arange(10), None, 2, start_index=5, end_index=3)
    with pytest.raises(ValueError, match="sampling_rate"):
        utils.timeseries_dataset_from_array(np.arange(10), None, 2, sampling_rate=10)


# ----- split_dataset ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("index", range(len(RECORDED["split"])))
def test_split_dataset_matches_keras(index: int) -> None:
    run = RECORDED["split"][index]
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10, dtype=np.int64)
    source = {"tuple": (x, y), "array": np.arange(8),
              "batched_dataset": data.Dataset.from_tensor_slices((x, y)).batch(3)}[run["input"]]
    left, right = utils.split_dataset(source, **run["arguments"])
    assert_elements(left, run["left"])
    assert_elements(right, run["right"])


def test_split_dataset_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="left_size or right_size"):
        utils.split_dataset(np.arange(5))
    with pytest.raises(ValueError, match="left_size"):
        utils.split_dataset(np.arange(5), left_size=1.5)
    with pytest.raises(ValueError, match="exceeds"):
        utils.split_dataset(np.arange(5), left_size=3, right_size=3)


# ----- image_dataset_from_directory -------------------------------------------------------------------------
def write_images(root: Path, files) -> None:
    for relative, pixels in files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if pixels is None:
            path.write_text("not an image")
        else:
            Image.fromarray(np.asarray(pixels, np.uint8)).save(path)  # PNG: lossless, the pixels TF decoded


@needs_pillow
@pytest.mark.parametrize("index", range(len(RECORDED["image_directories"]["runs"])))
def test_image_dataset_from_directory_matches_keras(tmp_path, index: int, capsys) -> None:
    folders = RECORDED["image_directories"]
    write_images(tmp_path, folders["files"])
    run = folders["runs"][index]
    config = dict(run["config"])
    config["image_size"] = tuple(config["image_size"])
    result = utils.image_dataset_from_directory(str(tmp_path), verbose=False, **config)
    datasets = result if isinstance(result, list) else [result]
    assert len(datasets) == len(run["subsets"])
    for dataset, expected in zip(datasets, run["subsets"]):
        assert dataset.class_names == expected["class_names"]
        assert [os.path.relpath(p, tmp_path) for p in dataset.file_paths] == expected["file_paths"]
        assert int(dataset.cardinality()) == expected["cardinality"]
        if expected["elements"] is not None:
            assert_elements(dataset, expected["elements"], PIXEL_TOLERANCE)
        else:  # shuffled by TensorFlow's buffer: the same images in another order; check the labels' multiset
            labels = sorted(int(v) for _, y in dataset.as_numpy_iterator() for v in y)
            names = expected["class_names"]
            assert labels == sorted(names.index(p.split("/")[0]) for p in expected["file_paths"])
    assert capsys.readouterr().out == ""  # verbose=False prints nothing


@needs_pillow
def test_image_dataset_binary_labels_and_messages(tmp_path, capsys) -> None:
    binary = RECORDED["image_directories"]["binary"]
    write_images(tmp_path, binary["files"])
    dataset = utils.image_dataset_from_directory(str(tmp_path), shuffle=False, image_size=(3, 3),
                                                 label_mode="binary")
    assert capsys.readouterr().out == "Found 12 files belonging to 2 classes.\n"
    assert_elements(dataset.map(lambda x, y: y), binary["labels"])
    with pytest.raises(ValueError, match="exactly 2 classes"):
        utils.image_dataset_from_directory(str(tmp_path.parent / tmp_path.name), label_mode="binary",
                                           class_names=["cats"], verbose=False)


@needs_pillow
def test_image_dataset_reads_jpeg_and_is_deterministic_with_a_seed(tmp_path) -> None:
    rng = np.random.default_rng(3)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for i in range(6):
            smooth = np.kron(rng.integers(0, 256, (2, 2, 3)), np.ones((8, 8, 1))).astype(np.uint8)
            Image.fromarray(smooth).save(tmp_path / name / f"{i}.jpg", quality=95)
    first = utils.image_dataset_from_directory(str(tmp_path), image_size=(16, 16), batch_size=5, seed=4,
                                               verbose=False)
    again = utils.image_dataset_from_directory(str(tmp_path), image_size=(16, 16), batch_size=5, seed=4,
                                               verbose=False)
    batches = list(first.as_numpy_iterator())
    assert [x.shape for x, _ in batches] == [(5, 16, 16, 3), (5, 16, 16, 3), (2, 16, 16, 3)]
    for (x1, y1), (x2, y2) in zip(batches, again.as_numpy_iterator()):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    # JPEG is lossy: the decoded blocks are within a few grey levels of the saved ones.
    path = first.file_paths[0]
    decoded = utils.img_to_array(utils.load_img(path))
    assert decoded.shape == (16, 16, 3) and decoded.dtype == np.float32
    assert np.abs(decoded - np.asarray(Image.open(path), np.float32)).max() == 0  # load_img decodes like Pillow


def test_image_dataset_checks_arguments(tmp_path) -> None:
    with pytest.raises(ValueError, match="seed"):
        utils.image_dataset_from_directory(str(tmp_path), validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="subset"):
        utils.image_dataset_from_directory(str(tmp_path), validation_split=0.2, seed=1)
    with pytest.raises(ValueError, match="label_mode"):
        utils.image_dataset_from_directory(str(tmp_path), label_mode="sparse")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        utils.image_dataset_from_directory(str(tmp_path / "missing"), verbose=False)


def test_missing_pillow_names_the_extra(monkeypatch) -> None:
    import builtins
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match=r"lamina\[images\]"):
        utils.load_img("anything.png")


# ----- text_dataset_from_directory --------------------------------------------------------------------------
@pytest.mark.parametrize("index", range(len(RECORDED["text_directories"]["runs"])))
def test_text_dataset_from_directory_matches_keras(tmp_path, index: int) -> None:
    folders = RECORDED["text_directories"]
    for name, text in folders["texts"].items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    run = folders["runs"][index]
    dataset = utils.text_dataset_from_directory(str(tmp_path), verbose=False, **run["config"])
    assert dataset.class_names == run["class_names"]
    assert int(dataset.cardinality()) == run["cardinality"]
    texts = sorted(t.decode() for x, _ in dataset.as_numpy_iterator() for t in np.atleast_1d(x))
    assert texts == run["texts"]
    if run["elements"] is not None:
        assert_elements(dataset, run["elements"])


# ----- image files ------------------------------------------------------------------------------------------
@needs_pillow
def test_image_file_round_trip(tmp_path) -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (7, 5, 3)).astype(np.float32)
    utils.save_img(tmp_path / "x.png", pixels, scale=False)
    image = utils.load_img(tmp_path / "x.png")
    assert image.size == (5, 7) and image.mode == "RGB"
    np.testing.assert_array_equal(utils.img_to_array(image), pixels)
    grey = utils.load_img(tmp_path / "x.png", color_mode="grayscale", target_size=(3, 4))
    assert utils.img_to_array(grey).shape == (3, 4, 1)
    assert utils.img_to_array(image, data_format="channels_first").shape == (3, 7, 5)
    stretched = utils.img_to_array(utils.array_to_img(pixels / 1000.0))  # scale=True stretches to 0..255
    assert stretched.min() == 0 and stretched.max() == 255
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))


def test_py_dataset_is_exported_with_keras_defaults() -> None:
    class Batches(utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, index):
            return np.full((2, 1), index, np.float32)

    batches = Batches()
    assert batches.workers == 1 and batches.max_queue_size == 10 and not batches.use_multiprocessing
    assert [int(b[0, 0]) for b in batches] == [0, 1, 2]
    assert utils.Sequence is utils.PyDataset
    assert threading.active_count() >= 1
