"""Issue 12, item 2: a .keras (or .weights.h5) file cannot make Lamina read other files.

HDF5 can keep a dataset's bytes in external files, map other files' datasets into a virtual dataset, or link to
another file; a ``model.weights.h5`` doing so used to load e.g. ``/etc/passwd`` as a kernel. Each hostile file is
built here with h5py, pointing at a "secret" file the test writes; loading must raise a ValueError naming the
file and the HDF5 object, and never return the secret's bytes.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from hostile_files import write_zip

from lamina import layers
from lamina.models import Sequential, load_model

h5py = pytest.importorskip("h5py", reason="the .keras and .weights.h5 formats need h5py")

SECRET = np.arange(12, dtype=np.float32).tobytes()  # 48 bytes: exactly a (4, 3) float32 kernel


def keras_config() -> dict:
    return {"module": "keras", "class_name": "Sequential", "config": {"name": "victim", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "in"}},
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 3}}]}}


def write_weights(h5, kernel_maker, secret_path) -> None:
    """Keras's layout, with the kernel made by ``kernel_maker(group, secret_path)`` and an honest bias."""
    h5.create_group("vars")
    group = h5.create_group("layers/dense/vars")
    kernel_maker(group, secret_path)
    group.create_dataset("1", data=np.zeros(3, np.float32))


def external_storage(group, secret) -> None:
    group.create_dataset("0", shape=(4, 3), dtype="<f4", external=[(str(secret), 0, h5py.h5f.UNLIMITED)])


def virtual_dataset(group, secret) -> None:
    layout = h5py.VirtualLayout(shape=(4, 3), dtype="<f4")
    layout[:] = h5py.VirtualSource(str(secret) + ".h5", "data", shape=(4, 3))
    group.create_virtual_dataset("0", layout)


def external_link(group, secret) -> None:
    group["0"] = h5py.ExternalLink(str(secret) + ".h5", "/data")


def soft_link(group, secret) -> None:
    group.file.create_dataset("elsewhere", data=np.ones((4, 3), np.float32))
    group["0"] = h5py.SoftLink("/elsewhere")


HOSTILE = {"external storage": (external_storage, "external"), "virtual dataset": (virtual_dataset, "virtual"),
           "external link": (external_link, "ExternalLink"), "soft link": (soft_link, "SoftLink")}


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.bin"
    path.write_bytes(SECRET)
    with h5py.File(str(path) + ".h5", "w") as other:  # what the virtual dataset and the external link point to
        other.create_dataset("data", data=np.frombuffer(SECRET, np.float32).reshape(4, 3))
    return path


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_keras_file_reading_outside_itself_is_refused(tmp_path, secret, kind) -> None:
    maker, word = HOSTILE[kind]
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_weights(h5, maker, secret)
    path = write_zip(tmp_path / "victim.keras", [("metadata.json", b"{}"),
                                                  ("config.json", json.dumps(keras_config()).encode()),
                                                  ("model.weights.h5", buffer.getvalue())])
    with pytest.raises(ValueError) as error:
        load_model(path)
    message = str(error.value)
    assert str(path) in message and "layers/dense/vars/0" in message and word in message, message


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_weights_h5_reading_outside_itself_is_refused(tmp_path, secret, kind) -> None:
    maker, word = HOSTILE[kind]
    path = tmp_path / "victim.weights.h5"
    with h5py.File(path, "w") as h5:
        write_weights(h5, maker, secret)
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    before = model.get_weights()
    with pytest.raises(ValueError) as error:
        model.load_weights(path)
    message = str(error.value)
    assert str(path) in message and "layers/dense/vars/0" in message and word in message, message
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)


def test_a_filter_that_would_load_a_plugin_is_refused(tmp_path) -> None:
    path = tmp_path / "plugin.weights.h5"
    with h5py.File(path, "w") as h5:
        group = h5.create_group("layers/dense/vars")
        # Filter 32001 (Blosc) is not built into HDF5: reading would search the plugin path for a library.
        group.create_dataset("0", shape=(4, 3), dtype="<f4", chunks=(4, 3), compression=32001,
                             allow_unknown_filter=True)
        group.create_dataset("1", data=np.zeros(3, np.float32))
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    with pytest.raises(ValueError, match="filter 32001"):
        model.load_weights(path)


def test_plain_keras_layout_still_loads(tmp_path) -> None:
    kernel = np.arange(12, dtype=np.float32).reshape(4, 3)
    path = tmp_path / "plain.weights.h5"
    with h5py.File(path, "w") as h5:
        group = h5.create_group("layers/dense/vars")
        group.create_dataset("0", data=kernel)
        group.create_dataset("1", data=np.ones(3, np.float32), compression="gzip")  # a built-in filter is fine
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    model.load_weights(path)
    np.testing.assert_array_equal(model.get_weights()[0], kernel)
    np.testing.assert_array_equal(model.get_weights()[1], np.ones(3, np.float32))
