"""Tests of lamina.datasets: the IDX reader, the MNIST-style loaders (search order, checksums, downloads),
the packaged UCI digits and the synthetic sets. All offline and fast; the real-MNIST test skips without
../shared/datasets."""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

from lamina.datasets import ChecksumError, DownloadError, digits, fashion_mnist, idx, mnist, synthetic
from lamina.datasets import _fetch
from lamina.datasets._idx_set import FILES, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """Keep every test away from the user's real cache and $LAMINA_DATA."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("LAMINA_DATA", raising=False)


def make_arrays(n_train: int = 6, n_test: int = 4, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        TRAIN_IMAGES: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: rng.integers(0, 10, n_train, dtype=np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        TEST_LABELS: rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_set(folder: Path, arrays: dict[str, np.ndarray], compress: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for base, array in arrays.items():
        idx.write_idx(folder / (f"{base}.gz" if compress else base), array)
    return folder


def md5s(arrays: dict[str, np.ndarray]) -> dict[str, str]:
    return {base: hashlib.md5(idx.encode_idx(a)).hexdigest() for base, a in arrays.items()}


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """Small arrays, with mnist.MNIST swapped for a spec whose checksums are theirs and that has no real
    mirrors or system folders."""
    arrays = make_arrays()
    spec = dataclasses.replace(
        mnist.MNIST, md5=md5s(arrays), mirrors=(), system_dirs=(tmp_path / "usr-share" / "mnist",)
    )
    monkeypatch.setattr(mnist, "MNIST", spec)
    return arrays, spec


def assert_loaded(result, arrays) -> None:
    (x_train, y_train), (x_test, y_test) = result
    np.testing.assert_array_equal(x_train, arrays[TRAIN_IMAGES])
    np.testing.assert_array_equal(y_train, arrays[TRAIN_LABELS])
    np.testing.assert_array_equal(x_test, arrays[TEST_IMAGES])
    np.testing.assert_array_equal(y_test, arrays[TEST_LABELS])
    assert x_train.dtype == y_train.dtype == np.uint8


# --- IDX reader ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_idx_round_trip(tmp_path, dtype, name):
    array = (np.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    path = idx.write_idx(tmp_path / name, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    loaded = idx.read_idx(path)
    assert loaded.dtype == dtype and loaded.shape == (2, 3, 5)
    np.testing.assert_array_equal(loaded, array)
    assert loaded.flags.writeable


def test_idx_header_is_big_endian():
    data = idx.encode_idx(np.zeros((1, 2), dtype=np.int16))
    assert data[:4] == bytes([0, 0, 0x0B, 2])
    assert data[4:12] == bytes([0, 0, 0, 1, 0, 0, 0, 2])


def test_gzip_detected_by_content_not_name(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    path = idx.write_idx(tmp_path / "labels-idx1-ubyte", array, compress=True)
    np.testing.assert_array_equal(idx.read_idx(path), array)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_file_names_file_and_byte_counts(tmp_path, compress):
    data = idx.encode_idx(np.zeros((3, 28, 28), dtype=np.uint8))[:-100]
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(ValueError) as info:
        idx.read_idx(path)
    message = str(info.value)
    assert str(path) in message and "truncated" in message
    assert str(3 * 28 * 28) in message and str(3 * 28 * 28 - 100) in message


def test_over_long_file_is_an_error(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(idx.encode_idx(np.zeros(5, dtype=np.uint8)) + b"\x00")
    with pytest.raises(ValueError, match=r"over-long.*needs 5 bytes.*received 6"):
        idx.read_idx(path)


@pytest.mark.parametrize("head", [b"\x00\x00\x07\x01", b"\x01\x00\x08\x01", b"PK\x03\x04", b"\x00\x00"])
def test_bad_magic_names_file(tmp_path, head):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(head + b"\x00\x00\x00\x01\x05")
    with pytest.raises(ValueError) as info:
        idx.read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_header_names_file(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0, 0, 1]))
    with pytest.raises(ValueError, match=r"truncated IDX header.*expected 16 bytes.*received 8"):
        idx.read_idx(path)


def test_truncated_gzip_stream_names_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    full = gzip.compress(idx.encode_idx(np.arange(4000, dtype=np.int32)))
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(ValueError, match="gzip") as info:
        idx.read_idx(path)
    assert str(path) in str(info.value)


def test_corrupt_gzip_crc_names_file(tmp_path):
    path = tmp_path / "labels.gz"
    full = bytearray(gzip.compress(idx.encode_idx(np.arange(50, dtype=np.uint8))))
    full[-6] ^= 0xFF  # inside the CRC32 trailer
    path.write_bytes(bytes(full))
    with pytest.raises(ValueError) as info:
        idx.read_idx(path)
    assert str(path) in str(info.value)


def test_encode_rejects_unsupported_dtype():
    with pytest.raises(TypeError, match="int64"):
        idx.encode_idx(np.zeros(3, dtype=np.int64))


# --- MNIST-style loaders: files, checksums, search order ------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_load_from_path(tmp_path, fake_mnist, compress):
    arrays, _ = fake_mnist
    folder = write_set(tmp_path / "given", arrays, compress=compress)
    assert_loaded(mnist.load_data(folder), arrays)
    assert_loaded(mnist.load_data(str(folder)), arrays)


def test_load_from_path_subfolder(tmp_path, fake_mnist):
    arrays, _ = fake_mnist
    write_set(tmp_path / "root" / "mnist", arrays)
    assert_loaded(mnist.load_data(tmp_path / "root"), arrays)


def test_mixed_plain_and_gzip(tmp_path, fake_mnist):
    arrays, _ = fake_mnist
    folder = tmp_path / "mixed"
    folder.mkdir()
    for i, (base, array) in enumerate(arrays.items()):
        idx.write_idx(folder / (base if i % 2 else f"{base}.gz"), array)
    assert_loaded(mnist.load_data(folder), arrays)


def test_wrong_checksum_names_file_and_both_md5s(tmp_path, fake_mnist):
    arrays, spec = fake_mnist
    altered = dict(arrays)
    altered[TEST_LABELS] = (arrays[TEST_LABELS] + 1) % 10
    folder = write_set(tmp_path / "given", altered)
    with pytest.raises(ChecksumError) as info:
        mnist.load_data(folder)
    message = str(info.value)
    assert str(folder / f"{TEST_LABELS}.gz") in message
    assert spec.md5[TEST_LABELS] in message
    assert hashlib.md5(idx.encode_idx(altered[TEST_LABELS])).hexdigest() in message
    assert isinstance(info.value, ValueError)
    # verify=False loads what is there.
    assert_loaded(mnist.load_data(folder, verify=False), altered)


def test_truncated_file_in_dataset_names_file(tmp_path, fake_mnist):
    arrays, _ = fake_mnist
    folder = write_set(tmp_path / "given", arrays, compress=False)
    path = folder / TRAIN_IMAGES
    path.write_bytes(path.read_bytes()[:-28])
    for verify in (True, False):
        with pytest.raises(ValueError, match="truncated") as info:
            mnist.load_data(folder, verify=verify)
        assert str(path) in str(info.value)


def test_images_labels_count_mismatch(tmp_path, monkeypatch):
    arrays = make_arrays()
    arrays[TRAIN_LABELS] = arrays[TRAIN_LABELS][:-1]
    monkeypatch.setattr(mnist, "MNIST", dataclasses.replace(mnist.MNIST, md5=md5s(arrays)))
    folder = write_set(tmp_path / "given", arrays)
    with pytest.raises(ValueError, match=r"holds 6 images but .* holds 5 labels") as info:
        mnist.load_data(folder)
    assert TRAIN_LABELS in str(info.value)


def test_missing_file_in_given_path(tmp_path, fake_mnist):
    arrays, _ = fake_mnist
    folder = write_set(tmp_path / "given", arrays)
    (folder / f"{TEST_IMAGES}.gz").unlink()
    with pytest.raises(FileNotFoundError, match=TEST_IMAGES):
        mnist.load_data(folder)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        mnist.load_data(tmp_path / "nowhere")


def test_lamina_data_subfolder_and_folder_itself(tmp_path, monkeypatch, fake_mnist):
    arrays, _ = fake_mnist
    write_set(tmp_path / "data" / "mnist", arrays)
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path / "data"))
    assert_loaded(mnist.load_data(download=False), arrays)
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path / "data" / "mnist"))
    assert_loaded(mnist.load_data(download=False), arrays)


def test_search_order(tmp_path, monkeypatch, fake_mnist):
    arrays, spec = fake_mnist
    sets = [make_arrays(seed=s) for s in range(4)]
    # Every location holds a complete set of files; each set is checksummed in the spec by turns.
    write_set(tmp_path / "given", sets[0])
    write_set(tmp_path / "env" / "mnist", sets[1])
    write_set(tmp_path / "xdg-cache" / "lamina" / "mnist", sets[2])
    write_set(spec.system_dirs[0], sets[3])
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path / "env"))

    def load(path=None):
        return mnist.load_data(path, verify=False, download=False)

    assert_loaded(load(tmp_path / "given"), sets[0])  # the argument beats $LAMINA_DATA
    assert_loaded(load(), sets[1])  # $LAMINA_DATA beats the cache
    monkeypatch.delenv("LAMINA_DATA")
    assert_loaded(load(), sets[2])  # the cache beats the system folder
    for base in FILES:
        (tmp_path / "xdg-cache" / "lamina" / "mnist" / f"{base}.gz").unlink()
    assert_loaded(load(), sets[3])


def test_incomplete_folder_is_skipped(tmp_path, monkeypatch, fake_mnist):
    arrays, spec = fake_mnist
    write_set(tmp_path / "env" / "mnist", {TRAIN_IMAGES: arrays[TRAIN_IMAGES]})
    write_set(spec.system_dirs[0], arrays)
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path / "env"))
    assert_loaded(mnist.load_data(download=False), arrays)


def test_cache_folder_follows_xdg_and_home(tmp_path, monkeypatch):
    assert _fetch.cache_dir("mnist") == tmp_path / "xdg-cache" / "lamina" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _fetch.cache_dir("fashion-mnist") == tmp_path / "home" / ".cache" / "lamina" / "fashion-mnist"


def test_not_found_without_download(fake_mnist):
    with pytest.raises(FileNotFoundError, match="download=False"):
        mnist.load_data(download=False)


# --- downloads (file:// URLs: no network here) ---------------------------------------------------------


def test_download_from_file_url(tmp_path, monkeypatch, fake_mnist, capsys):
    arrays, spec = fake_mnist
    served = write_set(tmp_path / "server", arrays)
    dead = (tmp_path / "dead-mirror").as_uri() + "/"
    monkeypatch.setattr(mnist, "MNIST", dataclasses.replace(spec, mirrors=(dead, served.as_uri() + "/")))
    assert_loaded(mnist.load_data(), arrays)
    cache = tmp_path / "xdg-cache" / "lamina" / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{base}.gz" for base in FILES)
    assert "%" in capsys.readouterr().err  # the progress bar went to stderr
    # Second call reads the cache; the mirrors are gone.
    monkeypatch.setattr(mnist, "MNIST", dataclasses.replace(spec, mirrors=()))
    assert_loaded(mnist.load_data(), arrays)


def test_download_with_wrong_checksum_keeps_nothing(tmp_path, monkeypatch, fake_mnist):
    arrays, spec = fake_mnist
    served = write_set(tmp_path / "server", make_arrays(seed=9))
    monkeypatch.setattr(mnist, "MNIST", dataclasses.replace(spec, mirrors=(served.as_uri() + "/",)))
    with pytest.raises(DownloadError) as info:
        mnist.load_data(progress=False)
    assert "checksum mismatch" in str(info.value) and TRAIN_IMAGES in str(info.value)
    cache = tmp_path / "xdg-cache" / "lamina" / "mnist"
    assert list(cache.iterdir()) == []  # no half-written or unverified file, no leftover temp file


def test_download_function_is_atomic(tmp_path):
    source = tmp_path / "source.bin"
    payload = bytes(range(256)) * 1000
    source.write_bytes(payload)
    dest = tmp_path / "out" / "copy.bin"
    stream = io.StringIO()
    _fetch.download(source.as_uri(), dest, md5=hashlib.md5(payload).hexdigest(), stream=stream)
    assert dest.read_bytes() == payload
    assert "100%" in stream.getvalue()
    dest.write_bytes(b"old")
    with pytest.raises(ChecksumError, match="0" * 32):
        _fetch.download(source.as_uri(), dest, md5="0" * 32, progress=False)
    assert dest.read_bytes() == b"old"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["copy.bin"]


def test_download_without_network_raises_download_error(tmp_path, monkeypatch, fake_mnist):
    _, spec = fake_mnist
    missing = (tmp_path / "absent").as_uri() + "/"
    monkeypatch.setattr(mnist, "MNIST", dataclasses.replace(spec, mirrors=(missing,)))
    with pytest.raises(DownloadError, match="LAMINA_DATA"):
        mnist.load_data(progress=False)


def test_real_specs_are_consistent():
    for spec in (mnist.MNIST, fashion_mnist.FASHION_MNIST):
        assert set(spec.md5) == set(FILES)
        assert all(len(v) == 32 and int(v, 16) >= 0 for v in spec.md5.values())
        assert spec.mirrors and all(m.endswith("/") for m in spec.mirrors)
    assert mnist.MNIST.md5[TRAIN_IMAGES] == "6bbc9ace898e44ae57da46a324031adb"
    assert fashion_mnist.FASHION_MNIST.system_dirs == (Path("/usr/share/datasets/fashion-mnist"),)


# --- the real files, when ../shared/datasets is there --------------------------------------------------


# The real files are optional (never downloaded in tests); the IDX reader is tested on generated files above.
@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason=f"real MNIST not present at {SHARED / 'mnist'}")
def test_real_mnist(monkeypatch):
    (x_train, y_train), (x_test, y_test) = mnist.load_data(SHARED / "mnist", download=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == y_train.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10)) and x_train.max() == 255
    # Found through $LAMINA_DATA (its mnist/ subfolder) as well.
    monkeypatch.setenv("LAMINA_DATA", str(SHARED))
    (_, y_env), _ = mnist.load_data(download=False)
    np.testing.assert_array_equal(y_env, y_train)


@pytest.mark.skipif(
    not (SHARED / "fashion-mnist").is_dir(), reason=f"real Fashion-MNIST not present at {SHARED / 'fashion-mnist'}"
)
def test_real_fashion_mnist():
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(SHARED, download=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_test).tolist() == [1000] * 10


# --- packaged digits ------------------------------------------------------------------------------------


def test_digits_shapes_and_ranges():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1438, 8, 8) and x_test.shape == (359, 8, 8)
    assert y_train.shape == (1438,) and y_test.shape == (359,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16
    assert set(np.unique(y_test)) == set(range(10))


def test_digits_split_is_deterministic_stratified_and_disjoint():
    x_all, y_all = digits.load_flat()
    assert x_all.shape == (1797, 8, 8)
    (a_train, _), (a_test, a_labels) = digits.load_data()
    (b_train, _), (b_test, _) = digits.load_data()
    np.testing.assert_array_equal(a_test, b_test)
    train, test = digits.split_indices(y_all, 0.2, 0)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == 1797
    np.testing.assert_array_equal(a_test, x_all[test])
    # Each class is within one example of 20% in the test set.
    share = np.bincount(a_labels, minlength=10) / np.bincount(y_all, minlength=10)
    assert np.all(np.abs(share - 0.2) < 0.01)
    (_, _), (c_test, _) = digits.load_data(seed=1)
    assert not np.array_equal(c_test, a_test)
    (d_train, _), (d_test, _) = digits.load_data(test_fraction=0.25)
    assert len(d_test) + len(d_train) == 1797 and 440 <= len(d_test) <= 460


def test_digits_returns_independent_copies():
    (x_train, _), _ = digits.load_data()
    x_train[...] = 99
    (x_again, _), _ = digits.load_data()
    assert x_again.max() == 16


def test_digits_rejects_bad_fraction():
    with pytest.raises(ValueError, match="test_fraction"):
        digits.load_data(test_fraction=1.0)


# --- synthetic sets -------------------------------------------------------------------------------------


def test_xor_matches_the_notes():
    X, y = synthetic.xor()
    assert X.dtype == y.dtype == np.float32 and X.shape == (4, 2) and y.shape == (4, 1)
    np.testing.assert_array_equal(y.ravel(), np.logical_xor(X[:, 0], X[:, 1]))


@pytest.mark.parametrize("make", [synthetic.two_moons, synthetic.two_spirals, synthetic.circles])
def test_two_class_sets(make):
    X, y = make(101, seed=3)
    assert X.shape == (101, 2) and y.shape == (101, 1)
    assert X.dtype == y.dtype == np.float32
    assert set(np.unique(y)) == {0.0, 1.0} and y.sum() == 50
    assert np.isfinite(X).all()
    X2, y2 = make(101, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(101, seed=4)
    assert not np.array_equal(X, X3)
    # Shuffled: the first half is not all one class.
    assert 0 < y[:50].sum() < 50


def test_synthetic_geometry_without_noise():
    X, y = synthetic.circles(200, noise=0.0, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y.ravel() == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(radius[y.ravel() == 1], 0.3, rtol=1e-6)
    X, y = synthetic.two_moons(200, noise=0.0)
    upper = X[y.ravel() == 0]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, rtol=1e-6)
    X, y = synthetic.two_spirals(200, noise=0.0)
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0 + 1e-6


def test_smooth_function():
    x, y = synthetic.smooth_function(64, seed=5)
    assert x.shape == y.shape == (64, 1) and x.dtype == y.dtype == np.float32
    assert np.all(np.diff(x.ravel()) >= 0) and x.min() >= -2 and x.max() <= 2
    np.testing.assert_allclose(y, synthetic.smooth_target(x.astype(np.float64)), rtol=1e-5, atol=1e-6)
    _, noisy = synthetic.smooth_function(64, noise=0.1, seed=5)
    assert 0 < np.abs(noisy - y).max() < 1.0


def test_synthetic_leaves_global_rng_alone():
    state = np.random.get_state()[1].copy()
    synthetic.two_moons()
    synthetic.two_spirals()
    synthetic.circles()
    synthetic.smooth_function(noise=0.1)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_synthetic_accepts_a_generator():
    X1, _ = synthetic.two_moons(20, seed=np.random.default_rng(7))
    X2, _ = synthetic.two_moons(20, seed=7)
    np.testing.assert_array_equal(X1, X2)


@pytest.mark.parametrize(
    "call",
    [
        lambda: synthetic.two_moons(1),
        lambda: synthetic.two_moons(10.5),
        lambda: synthetic.circles(noise=-0.1),
        lambda: synthetic.circles(factor=1.5),
        lambda: synthetic.two_spirals(turns=0),
        lambda: synthetic.smooth_function(low=1, high=0),
    ],
)
def test_synthetic_rejects_bad_arguments(call):
    with pytest.raises(ValueError):
        call()


def test_import_does_no_io():
    """Importing the package reads no data file: the digits table is parsed on first use only."""
    import subprocess
    import sys

    code = "import lamina.datasets as d; print(d.digits._table.cache_info().currsize)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
