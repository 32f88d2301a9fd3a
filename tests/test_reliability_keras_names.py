"""Keras's reserved file names (issue 14's item, part of this work): never a different format under them.

``save_weights("w.weights.h5")`` writes Keras 3's weights file (the HDF5 layout of ``model.weights.h5`` inside a
``.keras`` file), which Keras reads and Lamina reads back, also from Keras (``tests/data/keras/mlp.weights.h5``,
written by Keras through ``make_weights_fixtures.py``). Whole-model ``.h5`` (Keras's legacy format) and other
``.h5``/``.keras`` names for weights are refused with an error naming the formats that exist, and nothing is
written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models import Sequential, load_model

h5py = pytest.importorskip("h5py", reason="the .weights.h5 format needs h5py")

DATA = Path(__file__).parent / "data" / "keras"


def model_and_data() -> tuple[Sequential, np.ndarray]:
    lamina.utils.set_random_seed(2)
    model = Sequential([layers.Input(shape=(5,)), layers.Dense(6, activation="relu"), layers.BatchNormalization(),
                        layers.Dropout(0.2), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
    model.fit(x, np.arange(40) % 3, epochs=2, verbose=0)
    return model, x


@pytest.mark.parametrize("name", ["m.h5", "m.hdf5", "m.weights.h5", "M.H5"])
def test_save_refuses_hdf5_model_names(tmp_path, name) -> None:
    model, _ = model_and_data()
    with pytest.raises(ValueError, match=r"\.keras") as error:
        model.save(tmp_path / name)
    assert name in str(error.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["w.h5", "w.hdf5", "w.keras"])
def test_save_weights_refuses_other_keras_names(tmp_path, name) -> None:
    model, _ = model_and_data()
    with pytest.raises(ValueError, match=r"\.weights\.h5") as error:
        model.save_weights(tmp_path / name)
    assert name in str(error.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name, weights_only", [("m.h5", False), ("w.h5", True), ("w.keras", True)])
def test_model_checkpoint_refuses_these_names_when_made(tmp_path, name, weights_only) -> None:
    """At construction, as Keras 3 does, rather than at the end of the first epoch."""
    with pytest.raises(ValueError, match=name):
        lamina.callbacks.ModelCheckpoint(str(tmp_path / name), save_weights_only=weights_only)


def test_weights_h5_is_keras_layout_and_round_trips(tmp_path) -> None:
    model, x = model_and_data()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    assert path.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    with h5py.File(path, "r") as h5:
        assert sorted(h5["layers"]) == ["batch_normalization", "dense", "dense_1", "dropout"]
        assert [h5[f"layers/dense/vars/{i}"].shape for i in range(2)] == [(5, 6), (6,)]
        assert len(h5["layers/batch_normalization/vars"]) == 4 and len(h5["layers/dropout/vars"]) == 0
    lamina.utils.set_random_seed(9)
    fresh = Sequential.from_config(model.get_config())
    fresh.load_weights(path)
    for got, expected in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_weights_h5_written_by_keras_loads() -> None:
    reference = load_model(DATA / "mlp.keras")  # the same architecture, with the same weights, from Keras
    lamina.utils.set_random_seed(4)
    fresh = Sequential.from_config(reference.get_config())
    assert not all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), reference.get_weights()))
    fresh.load_weights(DATA / "mlp.weights.h5")  # it also holds Keras's optimizer variables, which are skipped
    np.testing.assert_allclose(fresh.predict(np.load(DATA / "mlp_x.npy"), verbose=0), np.load(DATA / "mlp_y.npy"),
                               atol=1e-6, rtol=0)


def test_load_model_on_an_hdf5_file_says_what_it_is(tmp_path) -> None:
    model, _ = model_and_data()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with pytest.raises(ValueError, match="HDF5") as error:
        load_model(path)
    assert str(path) in str(error.value) and ".keras" in str(error.value)


def test_weights_h5_into_a_different_architecture_is_refused_unchanged(tmp_path) -> None:
    model, _ = model_and_data()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    other = Sequential([layers.Input(shape=(5,)), layers.Dense(7, activation="relu"), layers.BatchNormalization(),
                        layers.Dropout(0.2), layers.Dense(3, activation="softmax")])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"layers/dense/vars/0.*\(5, 7\)"):
        other.load_weights(path)
    for now, then in zip(other.get_weights(), before):
        np.testing.assert_array_equal(now, then)


KERAS_READS = textwrap.dedent("""
    import os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras
    from keras import layers
    model = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(6, activation="relu"),
                              layers.BatchNormalization(), layers.Dropout(0.2), layers.Dense(3, activation="softmax")])
    model.load_weights(sys.argv[1])
    np.save(sys.argv[3], model.predict(np.load(sys.argv[2]), verbose=0))
""")


def test_real_keras_reads_the_weights_h5(tmp_path) -> None:
    from test_keras_format import keras_python  # this interpreter with Keras, $LAMINA_KERAS_PYTHON, or a skip

    python = keras_python()
    model, x = model_and_data()
    model.save_weights(tmp_path / "w.weights.h5")
    np.save(tmp_path / "x.npy", x)
    subprocess.run([*python, "-c", KERAS_READS, str(tmp_path / "w.weights.h5"), str(tmp_path / "x.npy"),
                    str(tmp_path / "y.npy")], check=True, capture_output=True, timeout=300)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(x, verbose=0), atol=1e-5, rtol=0)
