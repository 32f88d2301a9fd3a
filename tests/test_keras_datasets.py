"""keras.datasets: Keras's load_data() signatures, shapes, dtypes and semantics, the files found locally or
downloaded from an HTTP server on loopback (never the internet): checksums, interrupted and truncated downloads
(nothing left behind), cached second calls (no request), and pickled files that are read without running code.

Expected results of imdb/reuters/boston_housing come from real Keras 3.15.1 run on the same tiny stand-in data
(tests/data/keras_datasets/make_fixtures.py); the stand-in files are written by the tests.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import os
import pickle
import sys
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import lamina
from lamina.datasets import ChecksumError, DownloadError, _keras_files, idx, keras_images, keras_tabular, keras_text
from lamina.datasets import mnist as lamina_mnist
from lamina.datasets._idx_set import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS

datasets = lamina.keras.datasets
DATA = Path(__file__).parent / "data" / "keras_datasets"
with open(DATA / "keras_datasets.json") as _file:
    KERAS = json.load(_file)


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 serving ``files`` ({path: bytes}); it records every request, and cuts the
    responses of the paths in ``truncate`` after half their bytes."""
    files: dict[str, bytes] = {}
    requests: list[str] = []
    truncate: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requests.append(self.path)
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2] if self.path in truncate else body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{httpd.server_address[1]}/", files=files, requests=requests,
                          truncate=truncate)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, server):
    """Keras's cache, Lamina's cache and the system folder in tmp_path; every origin on the loopback server."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("LAMINA_DATA", raising=False)
    monkeypatch.setattr(_keras_files, "SYSTEM_DATA", tmp_path / "usr-share")
    monkeypatch.setattr(lamina_mnist, "MNIST", dataclasses.replace(
        lamina_mnist.MNIST, mirrors=(), system_dirs=(tmp_path / "usr-share" / "mnist",)))
    for module in (keras_images, keras_text, keras_tabular):
        monkeypatch.setattr(module, "KERAS_ORIGIN", server.url)
    monkeypatch.setattr(keras_images, "CIFAR10_ORIGIN", server.url + "cifar-10-python.tar.gz")
    return tmp_path / "keras-home" / "datasets"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_the_origins_and_hashes_are_kerass():
    sources = KERAS["sources"]
    assert keras_images.MNIST_SHA256 in sources["mnist"]["hashes"]
    assert _keras_files.KERAS_ORIGIN in sources["mnist"]["origins"] + sources["fashion_mnist"]["origins"]
    assert [keras_images.CIFAR10_ORIGIN.split("/")[-1], keras_images.CIFAR10_SHA256] == [
        sources["cifar10"]["origins"][0].split("/")[-1], sources["cifar10"]["hashes"][0]]
    assert sorted([keras_text.IMDB_SHA256, keras_text.IMDB_WORD_INDEX_MD5]) == sources["imdb"]["hashes"]
    assert sorted([keras_text.REUTERS_SHA256, keras_text.REUTERS_WORD_INDEX_MD5]) == sources["reuters"]["hashes"]
    assert [keras_tabular.BOSTON_SHA256] == sources["boston_housing"]["hashes"]


# ----- downloads: checksum, cache, interruption -------------------------------------------------------------------
def tiny_mnist(server, monkeypatch) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 5, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 3, dtype=np.uint8)}
    payload = npz_bytes(**arrays)
    server.files["/mnist.npz"] = payload
    monkeypatch.setattr(keras_images, "MNIST_SHA256", sha256(payload))
    return arrays


def test_mnist_downloads_once_into_kerass_cache(server, monkeypatch, isolated, capsys):
    arrays = tiny_mnist(server, monkeypatch)
    (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
    for got, key in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"), (y_test, "y_test")):
        np.testing.assert_array_equal(got, arrays[key])
        assert got.dtype == np.uint8
    assert server.requests == ["/mnist.npz"] and leftovers(isolated) == ["mnist.npz"]
    assert "mnist.npz [" in capsys.readouterr().err  # the progress bar
    datasets.mnist.load_data()
    assert server.requests == ["/mnist.npz"]  # the second call read the cache


def test_a_wrong_checksum_leaves_nothing(server, monkeypatch, isolated):
    tiny_mnist(server, monkeypatch)
    monkeypatch.setattr(keras_images, "MNIST_SHA256", "0" * 64)
    with pytest.raises(ChecksumError, match=r"mnist.npz: checksum mismatch: the SHA-256 of the file is [0-9a-f]{64}"):
        datasets.mnist.load_data()
    assert leftovers(isolated) == []


def test_a_cut_connection_leaves_nothing(server, monkeypatch, isolated):
    tiny_mnist(server, monkeypatch)
    server.truncate.add("/mnist.npz")
    with pytest.raises(DownloadError, match=r"connection closed after \d+ of \d+ bytes"):
        datasets.mnist.load_data()
    assert leftovers(isolated) == []


def test_an_interrupted_download_leaves_nothing(server, monkeypatch, isolated):
    tiny_mnist(server, monkeypatch)

    class Interrupting(io.StringIO):
        def write(self, text):  # the progress bar's first redraw: Ctrl-C arrives mid-download
            raise KeyboardInterrupt

    monkeypatch.setattr(sys, "stderr", Interrupting())
    with pytest.raises(KeyboardInterrupt):
        datasets.mnist.load_data()
    assert leftovers(isolated) == []


def test_a_missing_file_and_a_path_are_clear_errors(server, isolated):
    with pytest.raises(DownloadError, match=r"could not download http://127.0.0.1:\d+/mnist.npz.*HTTP Error 404.*"
                                            r"put mnist.npz in"):
        datasets.mnist.load_data()
    with pytest.raises(ValueError, match="must be a file name inside"):
        datasets.mnist.load_data(path="/tmp/mnist.npz")
    assert leftovers(isolated) == []


def test_a_damaged_cached_copy_is_downloaded_again(server, monkeypatch, isolated):
    arrays = tiny_mnist(server, monkeypatch)
    isolated.mkdir(parents=True)
    (isolated / "mnist.npz").write_bytes(b"damaged")
    (x_train, _), _ = datasets.mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    assert server.requests == ["/mnist.npz"]


def test_local_copies_are_used_without_any_request(server, monkeypatch, tmp_path):
    arrays = tiny_mnist(server, monkeypatch)
    lamina_data = tmp_path / "lamina-data"
    (lamina_data / "mnist").mkdir(parents=True)
    (lamina_data / "mnist" / "mnist.npz").write_bytes(server.files["/mnist.npz"])
    monkeypatch.setenv("LAMINA_DATA", str(lamina_data))
    (_, y_train), _ = datasets.mnist.load_data()
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    # Lamina's IDX copies of MNIST come first (the same images as Keras's file)
    idx_arrays = {TRAIN_IMAGES: arrays["x_train"][::-1], TRAIN_LABELS: arrays["y_train"][::-1],
                  TEST_IMAGES: arrays["x_test"], TEST_LABELS: arrays["y_test"]}
    for base, array in idx_arrays.items():
        idx.write_idx(lamina_data / "mnist" / f"{base}.gz", array)
    monkeypatch.setattr(lamina_mnist, "MNIST", dataclasses.replace(lamina_mnist.MNIST, md5={
        base: hashlib.md5(idx.encode_idx(a)).hexdigest() for base, a in idx_arrays.items()}))
    (_, y_train), _ = datasets.mnist.load_data()
    np.testing.assert_array_equal(y_train, arrays["y_train"][::-1])
    assert server.requests == []


def test_fashion_mnist_downloads_the_idx_files_into_kerass_folder(server, monkeypatch, isolated):
    rng = np.random.default_rng(1)
    arrays = {TRAIN_IMAGES: rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
              TRAIN_LABELS: rng.integers(0, 10, 4, dtype=np.uint8),
              TEST_IMAGES: rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
              TEST_LABELS: rng.integers(0, 10, 2, dtype=np.uint8)}
    for base, array in arrays.items():
        server.files[f"/{base}.gz"] = gzip.compress(idx.encode_idx(array))
    spec = dataclasses.replace(keras_images.FASHION_MNIST, system_dirs=(), md5={
        base: hashlib.md5(idx.encode_idx(a)).hexdigest() for base, a in arrays.items()})
    monkeypatch.setattr(keras_images, "FASHION_MNIST", spec)
    (x_train, y_train), (x_test, y_test) = datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays[TRAIN_IMAGES])
    np.testing.assert_array_equal(y_test, arrays[TEST_LABELS])
    assert sorted(p.name for p in (isolated / "fashion-mnist").iterdir()) == sorted(f"{b}.gz" for b in arrays)
    datasets.fashion_mnist.load_data()
    assert len(server.requests) == 4


# ----- CIFAR-10: an archive of pickles ----------------------------------------------------------------------------
def cifar_archive(batches: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, payload in batches.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def cifar_batches(per_batch: int = 2):
    rng = np.random.default_rng(2)
    batches, images, labels = {}, [], []
    for name in keras_images.CIFAR10_BATCHES:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        classes = rng.integers(0, 10, per_batch).tolist()
        batches[name] = pickle.dumps({b"batch_label": name.encode(), b"labels": classes, b"data": data,
                                      b"filenames": [b"x.png"] * per_batch}, protocol=3)
        images.append(data)
        labels.append(classes)
    return batches, images, labels


def serve_cifar(server, monkeypatch, batches) -> None:
    archive = cifar_archive(batches)
    server.files["/cifar-10-python.tar.gz"] = archive
    monkeypatch.setattr(keras_images, "CIFAR10_SHA256", sha256(archive))


def test_cifar10_has_kerass_layout_and_extracts_once(server, monkeypatch, isolated):
    batches, images, labels = cifar_batches()
    serve_cifar(server, monkeypatch, batches)
    (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == ((10, 32, 32, 3), (10, 1), (2, 32, 32, 3),
                                                                          (2, 1))
    assert x_train.dtype == y_train.dtype == np.uint8
    # channels last: pixel (row 1, column 2) of channel c is element c*1024 + 1*32 + 2 of the row
    assert x_train[3, 1, 2, 0] == images[1][1, 0 * 1024 + 34] and x_test[1, 1, 2, 2] == images[5][1, 2048 + 34]
    assert y_train.ravel().tolist() == sum(labels[:5], []) and y_test.ravel().tolist() == labels[5]
    folder = isolated / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    assert sorted(p.name for p in folder.iterdir()) == sorted(keras_images.CIFAR10_BATCHES)
    datasets.cifar10.load_data()
    assert server.requests == ["/cifar-10-python.tar.gz"]


class _Exploit:
    """A pickle that would create a folder when loaded: loading a dataset file must never do it."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_pickles_that_would_run_code_are_refused(server, monkeypatch, tmp_path):
    batches, _, _ = cifar_batches()
    marker = tmp_path / "exploited"
    batches["data_batch_3"] = pickle.dumps({b"data": _Exploit(marker), b"labels": [1]}, protocol=3)
    serve_cifar(server, monkeypatch, batches)
    with pytest.raises(ValueError, match=r"data_batch_3: not a dataset file Lamina can read safely.*posix.mkdir"):
        datasets.cifar10.load_data()
    assert not marker.exists()
    # the same in IMDB's .npz: an "object array" member whose pickle names os.mkdir
    exploit = io.BytesIO()
    np.lib.format.write_array_header_1_0(exploit, {"descr": "|O", "fortran_order": False, "shape": (1,)})
    exploit.write(pickle.dumps(_Exploit(marker), protocol=3))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("x_train", "x_test"):
            archive.writestr(f"{name}.npy", exploit.getvalue())
        for name in ("y_train", "y_test"):
            archive.writestr(f"{name}.npy", npz_member(np.array([1])))
    server.files["/imdb.npz"] = buffer.getvalue()
    monkeypatch.setattr(keras_text, "IMDB_SHA256", sha256(buffer.getvalue()))
    with pytest.raises(ValueError, match=r"x_train.npy: not a dataset file Lamina can read safely"):
        datasets.imdb.load_data()
    assert not marker.exists()


def npz_member(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


# ----- IMDB, Reuters, Boston housing: Keras's results on the same data --------------------------------------------
def object_array(lists) -> np.ndarray:
    array = np.empty(len(lists), dtype=object)
    array[:] = [list(x) for x in lists]
    return array


def serve_npz(server, monkeypatch, module, constant: str, fname: str, arrays: dict, texts: bool) -> None:
    payload = npz_bytes(**{k: object_array(v) if texts and k.startswith("x") else np.asarray(v)
                           for k, v in arrays.items()})
    server.files[f"/{fname}"] = payload
    monkeypatch.setattr(module, constant, sha256(payload))


def assert_same_as_keras(result, case) -> None:
    (x_train, y_train), (x_test, y_test) = result
    assert np.asarray(x_train).tolist() == case["x_train"] and np.asarray(x_test).tolist() == case["x_test"]
    assert y_train.tolist() == case["y_train"] and y_test.tolist() == case["y_test"]
    assert (str(x_train.dtype), list(x_train.shape), str(y_train.dtype)) == (case["x_dtype"], case["x_shape"],
                                                                            case["y_dtype"])


@pytest.mark.parametrize("case", KERAS["imdb"]["cases"], ids=lambda c: json.dumps(c["kwargs"]))
def test_imdb_equals_keras(server, monkeypatch, case):
    serve_npz(server, monkeypatch, keras_text, "IMDB_SHA256", "imdb.npz", KERAS["imdb"]["arrays"], texts=True)
    if "error" in case:
        with pytest.raises(ValueError, match="no sequence was kept"):
            datasets.imdb.load_data(**case["kwargs"])
        return
    assert_same_as_keras(datasets.imdb.load_data(**case["kwargs"]), case)


@pytest.mark.parametrize("case", KERAS["reuters"]["cases"], ids=lambda c: json.dumps(c["kwargs"]))
def test_reuters_equals_keras(server, monkeypatch, case):
    serve_npz(server, monkeypatch, keras_text, "REUTERS_SHA256", "reuters.npz", KERAS["reuters"]["arrays"],
              texts=True)
    if "error" in case:  # Keras fails on an empty max(); Lamina says why
        with pytest.raises(ValueError, match="no sequence was kept"):
            datasets.reuters.load_data(**case["kwargs"])
        return
    assert_same_as_keras(datasets.reuters.load_data(**case["kwargs"]), case)


@pytest.mark.parametrize("case", KERAS["boston_housing"]["cases"], ids=lambda c: json.dumps(c["kwargs"]))
def test_boston_housing_equals_keras(server, monkeypatch, case):
    serve_npz(server, monkeypatch, keras_tabular, "BOSTON_SHA256", "boston_housing.npz",
              KERAS["boston_housing"]["arrays"], texts=False)
    state = np.random.get_state()[1].copy()
    (x_train, y_train), (x_test, y_test) = datasets.boston_housing.load_data(**case["kwargs"])
    np.testing.assert_array_equal(x_train, case["x_train"])
    np.testing.assert_array_equal(y_test, case["y_test"])
    assert x_train.dtype == np.float64 and (len(x_train), len(x_test)) == (len(case["x_train"]), len(case["x_test"]))
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # NumPy's global generator is untouched
    with pytest.raises(ValueError, match="test_split"):
        datasets.boston_housing.load_data(test_split=1.0)


def test_word_indices_and_label_names(server, monkeypatch):
    index = {"the": 1, "movie": 2, "was": 3}
    payload = json.dumps(index).encode()
    server.files["/imdb_word_index.json"] = payload
    monkeypatch.setattr(keras_text, "IMDB_WORD_INDEX_MD5", hashlib.md5(payload).hexdigest())
    assert datasets.imdb.get_word_index() == index
    assert datasets.imdb.get_word_index() == index and server.requests == ["/imdb_word_index.json"]
    server.files["/reuters_word_index.json"] = b"[1, 2]"
    monkeypatch.setattr(keras_text, "REUTERS_WORD_INDEX_MD5", hashlib.md5(b"[1, 2]").hexdigest())
    with pytest.raises(ValueError, match="a word index maps words to integers"):
        datasets.reuters.get_word_index()
    names = datasets.reuters.get_label_names()
    assert len(names) == 46 and names[:3] == ("cocoa", "grain", "veg-oil")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        datasets.imdb.load_data(nb_words=100)


def test_keras_namespace_lists_the_datasets():
    assert {"mnist", "fashion_mnist", "cifar10", "imdb", "reuters", "boston_housing"} <= set(datasets.__all__)
    assert "datasets" in dir(lamina.keras)
