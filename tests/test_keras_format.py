"""The .keras interchange: files written by Keras 3 load in Lamina with Keras's predictions; files Lamina writes
have Keras's layout (checked against the Keras-written fixtures, so CI checks it without Keras) and, where Keras
is installed, load in Keras with Lamina's predictions.

The fixtures in tests/data/keras/ were written by Keras 3.15.1 with tests/data/keras/make_fixtures.py.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

import lamina  # noqa: E402
from lamina import layers  # noqa: E402
from lamina.models import Sequential, load_model  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "keras")
FIXTURES = ("mlp", "binary")


def fixture(name: str) -> tuple[str, np.ndarray, np.ndarray]:
    return (os.path.join(DATA, f"{name}.keras"), np.load(os.path.join(DATA, f"{name}_x.npy")),
            np.load(os.path.join(DATA, f"{name}_y.npy")))


def h5_layout(path) -> dict[str, tuple]:
    """Every group and dataset of model.weights.h5: path -> (kind, shape, dtype, attributes)."""
    with zipfile.ZipFile(path) as archive:
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    layout = {}

    def visit(name, item):
        attributes = {key: str(value) for key, value in item.attrs.items()}
        if isinstance(item, h5py.Dataset):
            layout[name] = ("dataset", item.shape, item.dtype.str, attributes, np.asarray(item))
        else:
            layout[name] = ("group", None, None, attributes, None)

    h5.visititems(visit)
    h5.close()
    return layout


def read_json(path, member: str) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(member))


def assert_within(ours, theirs, where: str) -> None:
    """``ours`` equals ``theirs`` except that a dict of ours may leave out keys (Keras options left at "off")."""
    if isinstance(ours, dict):
        assert isinstance(theirs, dict) and set(ours) <= set(theirs), where
        for key, value in ours.items():
            assert_within(value, theirs[key], f"{where}.{key}")
    else:
        assert ours == theirs, where


def rewritten(source: str, target, config: dict) -> str:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            new.writestr(item, json.dumps(config) if item.filename == "config.json" else old.read(item.filename))
    return str(target)


# ----- Keras -> Lamina --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", FIXTURES)
def test_keras_files_load_with_keras_predictions(name: str) -> None:
    path, x, y = fixture(name)
    model = load_model(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), y, atol=1e-5, rtol=0)


def test_keras_configuration_is_translated() -> None:
    model = load_model(fixture("mlp")[0])
    assert model.name == "mlp" and model.input_shape == (None, 4, 3)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Flatten", "Dense", "BatchNormalization", "Dropout", "Dense", "LeakyReLU", "Dense", "Activation", "Dense"]
    dense, norm, dropout, leaky = model.layers[1], model.layers[2], model.layers[3], model.layers[5]
    assert dense.name == "dense" and dense.units == 8 and dense._activation_name == "relu"
    assert type(dense.kernel_initializer).__name__ == "HeNormal"
    assert dense.kernel_regularizer.l2 == pytest.approx(1e-3)
    assert norm.momentum == pytest.approx(0.9) and norm.epsilon == pytest.approx(1e-3)
    assert dropout.rate == 0.25 and leaky.negative_slope == pytest.approx(0.1)
    # compile_config: Adam(0.01), categorical cross-entropy, accuracy; a fresh optimizer state
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.01) and model.optimizer.iterations == 0
    assert model.get_compile_config()["loss"] == "categorical_crossentropy"
    assert model.metrics_names == ["loss", "accuracy"]
    assert not load_model(fixture("binary")[0]).compiled  # saved uncompiled
    assert not load_model(fixture("mlp")[0], compile=False).compiled


def test_a_loaded_keras_model_trains() -> None:
    path, x, _ = fixture("mlp")
    model = load_model(path)
    labels = np.eye(3, dtype=np.float32)[np.arange(len(x)) % 3]
    history = model.fit(x, labels, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_layers_lamina_cannot_map_are_named(tmp_path) -> None:
    path = fixture("mlp")[0]
    config = read_json(path, "config.json")
    config["config"]["layers"][2]["class_name"] = "ConvLSTM3D"
    with pytest.raises(ValueError, match=r'Keras layer "dense" \(ConvLSTM3D\): Lamina cannot read layers of class '
                                         r"'ConvLSTM3D'"):
        load_model(rewritten(path, tmp_path / "conv.keras", config))

    config = read_json(path, "config.json")
    config["config"]["layers"][2]["config"]["lora_rank"] = 4
    with pytest.raises(ValueError, match=r'"dense" \(Dense\): option lora_rank=4 has no Lamina equivalent'):
        load_model(rewritten(path, tmp_path / "lora.keras", config))

    config = read_json(path, "config.json")
    config["class_name"] = "MyCustomModel"
    with pytest.raises(ValueError, match=r"Sequential and functional models; this file holds a 'MyCustomModel'"):
        load_model(rewritten(path, tmp_path / "custom.keras", config))


# ----- Lamina -> Keras --------------------------------------------------------------------------------------------
def lamina_twin_of_mlp() -> tuple[Sequential, np.ndarray]:
    """The mlp fixture rebuilt in Lamina, with Keras's weights, compiled as Keras compiled it."""
    path, x, _ = fixture("mlp")
    model = load_model(path)
    return model, x


def test_written_file_has_the_layout_keras_writes(tmp_path) -> None:
    model, x = lamina_twin_of_mlp()
    target = tmp_path / "mlp.keras"
    model.save(target)
    reference = fixture("mlp")[0]

    with zipfile.ZipFile(target) as ours, zipfile.ZipFile(reference) as theirs:
        assert sorted(ours.namelist()) == sorted(theirs.namelist())
        assert {i.compress_type for i in ours.infolist()} == {zipfile.ZIP_STORED}
    assert read_json(target, "metadata.json").keys() == read_json(reference, "metadata.json").keys()

    ours, theirs = read_json(target, "config.json"), read_json(reference, "config.json")
    assert set(ours) <= set(theirs) and ours["class_name"] == "Sequential" and ours["module"] == "keras"
    assert set(ours["config"]) <= set(theirs["config"])
    assert ours["config"]["build_input_shape"] == theirs["config"]["build_input_shape"]
    for mine, keras_entry in zip(ours["config"]["layers"], theirs["config"]["layers"], strict=True):
        assert mine["class_name"] == keras_entry["class_name"] and mine["module"] == keras_entry["module"]
        assert set(mine) == set(keras_entry), mine["class_name"]  # build_config exactly where Keras writes one
        for key, value in mine["config"].items():
            if key not in ("dtype", "name"):
                assert_within(value, keras_entry["config"][key], f'{mine["class_name"]}.{key}')
    assert set(ours["compile_config"]) == set(theirs["compile_config"])
    assert ours["compile_config"]["optimizer"]["class_name"] == "Adam"

    our_layout, their_layout = h5_layout(target), h5_layout(reference)
    assert our_layout.keys() == their_layout.keys()
    for key, (kind, shape, dtype, attributes, value) in their_layout.items():
        assert our_layout[key][:4] == (kind, shape, dtype, attributes), key
        if kind == "dataset" and not key.startswith("optimizer"):
            np.testing.assert_array_equal(our_layout[key][4], value)

    np.testing.assert_array_equal(load_model(target).predict(x, verbose=0), model.predict(x, verbose=0))


def test_layers_keras_cannot_rebuild_are_named(tmp_path) -> None:
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(2, activation="step", name="steps")])
    with pytest.raises(ValueError, match=r'layer "steps" \(Dense\): activation \'step\' has no Keras equivalent'):
        model.save(tmp_path / "step.keras")

    class Doubler(layers.Layer):
        def call(self, x, training=False):
            return x * 2

    model = Sequential([layers.Input(shape=(3,)), Doubler(name="twice")])
    with pytest.raises(ValueError, match=r'layer "twice" \(Doubler\): cannot be written as Keras'):
        model.save(tmp_path / "custom.keras")
    assert not os.listdir(tmp_path)


def test_missing_h5py_gives_an_install_hint(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "h5py", None)
    model = Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
    with pytest.raises(ImportError, match=r"lamina\[keras-io\]"):
        model.save(tmp_path / "m.keras")


KERAS_CHECK = textwrap.dedent("""
    import os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras
    model = keras.models.load_model(sys.argv[1])
    np.save(sys.argv[3], model.predict(np.load(sys.argv[2]), verbose=0))
    keras_made = sys.argv[1].replace(".keras", "_by_keras.keras")
    model.save(keras_made)
""")


def keras_python() -> list[str]:
    """How to run Keras: this interpreter if it has Keras, else $LAMINA_KERAS_PYTHON; skip otherwise."""
    try:
        import keras  # noqa: F401
        return [sys.executable]
    except ImportError:
        other = os.environ.get("LAMINA_KERAS_PYTHON")
        if other:
            return [other]
    # CI does not install TensorFlow (a test of Keras itself, ~600 MB); the files real Keras wrote are checked in
    # under tests/data/keras and read by the tests above, so the format stays tested without it.
    pytest.skip("Keras is not installed (set LAMINA_KERAS_PYTHON to a Python that has it)")


def test_round_trip_through_real_keras(tmp_path) -> None:
    python = keras_python()
    lamina.utils.set_random_seed(5)
    model = Sequential([layers.Input(shape=(2, 3)), layers.Flatten(), layers.Dense(8, kernel_regularizer="l2"),
                        layers.BatchNormalization(), layers.Activation("relu"), layers.Dropout(0.2),
                        layers.GaussianNoise(0.1), layers.Dense(6, use_bias=False, activation="leaky_relu"),
                        layers.LeakyReLU(0.1), layers.Dense(4, activation="tanh"), layers.Dense(3),
                        layers.Softmax()])
    model.compile(optimizer=lamina.optimizers.SGD(0.05, momentum=0.9), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2, 3)).astype(np.float32)
    model.fit(x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)], epochs=3, verbose=0)
    path = tmp_path / "lamina.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([*python, "-c", KERAS_CHECK, str(path), str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
                   check=True, capture_output=True, timeout=300)
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-5, rtol=0)
    # and back: the file Keras wrote after loading ours
    again = load_model(tmp_path / "lamina_by_keras.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, atol=1e-6, rtol=0)
