"""Issue 12, item 3: size limits when loading.

Every hostile file here is small and made in the test; each claims far more than it holds (a zip member that
inflates a thousandfold, an .npy header or an HDF5 dataset declaring a 1.6 GB array, a config declaring a layer
of 400 million weights, an oversized config). Loading must refuse it with a ValueError naming the file, before
the model allocates any weight (``Layer.add_weight`` is never called) and with the memory traced by
``tracemalloc`` (NumPy reports its arrays to it) staying under ``PEAK_LIMIT``. Files that are not regular files
(``/dev/zero``, a FIFO, a directory) are refused before they are opened as archives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile

import numpy as np
import pytest

from hostile_files import dense_config, members, npy_bytes, npy_header_only, with_json, write_zip

import lamina
from lamina import layers
from lamina.layers import base as layer_base
from lamina.layers.base import Layer
from lamina.models import Sequential, load_model

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
PEAK_LIMIT = 24 * 2**20  # bytes traced while loading: the hostile files claim 64 MB to 1.6 GB


@pytest.fixture
def no_weight_allocated(monkeypatch):
    """Records every real weight creation (placeholders, which allocate nothing, are not counted); a refused
    load must leave it empty."""
    created: list[str] = []
    original = Layer.add_weight

    def counting(self, *args, **kwargs):
        if not layer_base._weight_mode.placeholders:
            name = args[0] if args and isinstance(args[0], str) else kwargs.get("name")
            created.append(f"{self.name}/{name}")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Layer, "add_weight", counting)
    return created


def refused(load, path, *words: str) -> str:
    """Run ``load(path)``; it must raise ValueError naming the file and ``words``, within ``PEAK_LIMIT``."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as error:
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(error.value)
    assert str(path) in message
    for word in words:
        assert word in message, message
    assert peak < PEAK_LIMIT, f"loading traced {peak / 2**20:.0f} MiB"
    return message


def lamina_file(tmp_path, config: dict, arrays: list[tuple[str, bytes]], listed: list[tuple[int, ...]],
                name: str = "huge.lamina", compression: int = zipfile.ZIP_STORED):
    """A .lamina archive with the given Sequential config, weights list and weight members."""
    manifest = {"format": "lamina", "format_version": 1, "lamina_version": "0.1.0", "created": "now"}
    model_config = {"class_name": "Sequential", "config": config,
                    "weights": [{"name": f"w{i}", "shape": list(s), "dtype": "float32"} for i, s in enumerate(listed)]}
    training = {"compile": None, "optimizer_state": None, "rng": {"shuffle": None, "layers": {}}}
    entries = [("manifest.json", json.dumps(manifest).encode()), ("config.json", json.dumps(model_config).encode()),
               ("training.json", json.dumps(training).encode())]
    return write_zip(tmp_path / name, entries + arrays, compression=compression, level=1)


def test_a_config_declaring_a_huge_layer_is_checked_before_anything_is_allocated(tmp_path,
                                                                                 no_weight_allocated) -> None:
    # Dense(20000) on 20000 inputs: 1.6 GB of kernel, declared by a file of a few hundred bytes.
    header_only = [("weights/0.npy", npy_header_only((20000, 20000))),
                   ("weights/1.npy", npy_bytes(np.zeros(20000, np.float32)))]
    path = lamina_file(tmp_path, dense_config(20000, 20000), header_only, [(20000, 20000), (20000,)])
    refused(load_model, path, "weights/0.npy", "(20000, 20000)")
    # the same architecture with a weights list and arrays that claim to be small
    small = [("weights/0.npy", npy_bytes(np.zeros((2, 2), np.float32))),
             ("weights/1.npy", npy_bytes(np.zeros(2, np.float32)))]
    path = lamina_file(tmp_path, dense_config(20000, 20000), small, [(2, 2), (2,)], name="small.lamina")
    refused(load_model, path, "(20000, 20000)")
    path = lamina_file(tmp_path, dense_config(20000, 20000), small, [(20000, 20000), (20000,)], name="list.lamina")
    refused(load_model, path, "weights/0.npy", "(2, 2)")
    assert no_weight_allocated == []


def test_a_member_that_inflates_far_beyond_the_file_is_refused_unread(tmp_path, no_weight_allocated) -> None:
    # A genuine deflate bomb: a 64 MiB kernel of zeros compresses to a few hundred KB.
    kernel = np.zeros((8192, 2048), np.float32)
    arrays = [("weights/0.npy", npy_bytes(kernel)), ("weights/1.npy", npy_bytes(np.zeros(2048, np.float32)))]
    path = lamina_file(tmp_path, dense_config(2048, 8192), arrays, [kernel.shape, (2048,)],
                       compression=zipfile.ZIP_DEFLATED)
    del kernel, arrays
    assert os.path.getsize(path) < 2**20
    refused(load_model, path, "unpack into 64.0 MiB")
    assert no_weight_allocated == []


def test_an_npy_header_claiming_more_than_its_member_holds_is_refused(tmp_path, no_weight_allocated) -> None:
    arrays = [("weights/0.npy", npy_header_only((4, 3)) + b"\0" * 8),  # 48 bytes declared, 8 present
              ("weights/1.npy", npy_bytes(np.zeros(3, np.float32)))]
    path = lamina_file(tmp_path, dense_config(3, 4), arrays, [(4, 3), (3,)])
    refused(load_model, path, "weights/0.npy", "holds")
    assert no_weight_allocated == []


def test_config_size_and_depth_are_bounded(tmp_path, saved_model) -> None:
    from lamina.models.file_checks import MAX_JSON_BYTES, MAX_JSON_DEPTH

    entries = members(saved_model)
    padded = with_json(entries, "config.json", lambda c: {**c, "padding": " " * (MAX_JSON_BYTES + 1)})
    path = write_zip(tmp_path / "padded.lamina", padded, compression=zipfile.ZIP_DEFLATED)
    refused(load_model, path, "config.json", "MiB")

    def deep(config):
        value: object = 0
        for _ in range(MAX_JSON_DEPTH + 5):
            value = [value]
        return {**config, "extra": value}

    path = write_zip(tmp_path / "deep.lamina", with_json(entries, "config.json", deep))
    refused(load_model, path, "config.json", f"{MAX_JSON_DEPTH} levels")


@pytest.fixture
def saved_model(tmp_path):
    lamina.utils.set_random_seed(0)
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path / "good.lamina"
    model.save(path)
    return path


def test_load_weights_checks_declared_shapes_before_reading(tmp_path) -> None:
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    entries = [("w0.npy", npy_header_only((20000, 20000))), ("w1.npy", npy_bytes(np.zeros(3, np.float32))),
               ("lamina_weights_format.npy", npy_bytes(np.array(1))), ("count.npy", npy_bytes(np.array(2)))]
    path = write_zip(tmp_path / "huge.weights.npz", entries)
    refused(model.load_weights, path, "w0.npy")
    entries[0] = ("w0.npy", npy_header_only((4, 3)))  # the right shape, but no data behind the header
    path = write_zip(tmp_path / "empty.weights.npz", entries)
    refused(model.load_weights, path, "w0.npy", "holds")


def keras_file(tmp_path, config: dict, make_h5) -> str:
    """A .keras archive of Keras's Sequential ``config`` whose model.weights.h5 ``make_h5(h5)`` fills."""
    h5py = pytest.importorskip("h5py", reason="the .keras format needs h5py")
    import io

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        make_h5(h5)
    path = tmp_path / "huge.keras"
    write_zip(path, [("metadata.json", b'{"keras_version": "3.15.1"}'), ("config.json", json.dumps(config).encode()),
                     ("model.weights.h5", buffer.getvalue())])
    return path


def keras_dense_config(units: int, inputs: int) -> dict:
    return {"module": "keras", "class_name": "Sequential", "config": {"name": "huge", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, inputs], "name": "in"}},
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": units}}]}}


def test_keras_datasets_are_checked_against_the_config_before_building(tmp_path, no_weight_allocated) -> None:
    def unallocated(h5):  # datasets of the right shape with no storage at all: they read as their fill value
        group = h5.create_group("layers/dense/vars")
        group.create_dataset("0", shape=(20000, 20000), dtype="f4", chunks=(1000, 1000))
        group.create_dataset("1", shape=(20000,), dtype="f4")

    path = keras_file(tmp_path, keras_dense_config(20000, 20000), unallocated)
    refused(load_model, path, "model.weights.h5", "bytes")

    def small(h5):
        group = h5.create_group("layers/dense/vars")
        group.create_dataset("0", data=np.zeros((2, 2), np.float32))
        group.create_dataset("1", data=np.zeros(2, np.float32))

    path = keras_file(tmp_path, keras_dense_config(20000, 20000), small)
    refused(load_model, path, "layers/dense/vars/0", "(20000, 20000)")
    assert no_weight_allocated == []


def test_weights_h5_fill_value_bomb_is_refused(tmp_path) -> None:
    h5py = pytest.importorskip("h5py", reason="the .weights.h5 format needs h5py")
    model = Sequential([layers.Input(shape=(2048,)), layers.Dense(4096)])  # a 32 MiB kernel
    path = tmp_path / "bomb.weights.h5"
    with h5py.File(path, "w") as h5:
        group = h5.create_group("layers/dense/vars")
        group.create_dataset("0", shape=(2048, 4096), dtype="f4", chunks=(256, 256), compression="gzip")
        group.create_dataset("1", shape=(4096,), dtype="f4")
    assert os.path.getsize(path) < 64 * 1024
    refused(model.load_weights, path, "bytes")


# Runs in a child with an address-space limit and a timeout: on code without the checks these calls read
# /dev/zero until memory runs out, or block forever on the FIFO.
NON_REGULAR = textwrap.dedent("""
    import os, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    from lamina import layers
    from lamina.datasets import read_idx
    from lamina.models import Sequential, load_model
    model = Sequential([layers.Input(shape=(2,)), layers.Dense(1)])
    calls = {"load_model": load_model, "load_weights": model.load_weights, "read_idx": read_idx}
    for path in sys.argv[1:]:
        for name, call in calls.items():
            try:
                call(path)
                print(name, path, "LOADED")
            except ValueError as error:
                ok = path in str(error) and "not a regular file" in str(error)
                print(name, path, "ok" if ok else "BAD MESSAGE " + str(error))
            except BaseException as error:
                print(name, path, "WRONG ERROR", type(error).__name__, error)
""")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="needs POSIX FIFOs and /dev/zero")
def test_non_regular_files_are_refused_before_reading(tmp_path) -> None:
    fifo = tmp_path / "model.fifo"
    os.mkfifo(fifo)
    paths = ["/dev/zero", str(fifo), str(tmp_path)]
    result = subprocess.run([sys.executable, "-c", NON_REGULAR, *paths], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONPATH": SRC})
    lines = result.stdout.splitlines()
    assert len(lines) == 9, result.stdout + result.stderr
    assert all(line.endswith(" ok") for line in lines), "\n".join(lines)
