""".keras interchange of convolutional models: every convolution, pooling, padding, cropping, upsampling,
normalization, embedding and augmentation layer, both ways.

- Keras -> Lamina: tests/data/keras/conv_*.keras were written by Keras 3.15.1 (tests/data/keras/make_conv_fixtures.py
  builds the models of tests/conv_models.py); Lamina loads each and reproduces Keras's predictions.
- Lamina -> Keras: the same models built with Lamina and given the Keras file's weights are saved; their config
  and HDF5 layout equal the Keras-written file's entry by entry (so CI checks the written format without
  TensorFlow). Where Keras is installed (or LAMINA_KERAS_PYTHON names a Python that has it), real Keras also loads
  every Lamina-written file, predicts the same, and saves it again, and Lamina reads that file back.
"""

from __future__ import annotations

import os
import subprocess
import textwrap

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

import conv_models  # tests/conv_models.py
from lamina import keras  # noqa: E402
from lamina.models import load_model  # noqa: E402
from lamina.tensor import no_grad  # noqa: E402

from test_keras_format import keras_python, read_json, rewritten  # noqa: E402
from test_keras_graph_format import assert_same_file  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "keras")
MODELS = conv_models.MODELS


def fixture(name: str) -> tuple[str, np.ndarray, np.ndarray]:
    arrays = np.load(os.path.join(DATA, f"conv_{name}_io.npz"))
    return os.path.join(DATA, f"conv_{name}.keras"), arrays["x_0"], arrays["y_0"]


def predict(model, x: np.ndarray) -> np.ndarray:
    with no_grad():
        return model(x, training=False).data


# ----- Keras -> Lamina --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_keras_conv_files_load_with_keras_predictions(name: str) -> None:
    path, x, y = fixture(name)
    np.testing.assert_allclose(predict(load_model(path), x), y, atol=1e-5, rtol=0)


def test_loaded_layers_keep_keras_options() -> None:
    convnet = load_model(fixture("mnist_convnet")[0])
    assert [type(layer).__name__ for layer in convnet.layers] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"]
    assert convnet.layers[0].kernel_size == (3, 3) and convnet.layers[0]._activation_name == "relu"
    assert convnet.compiled and type(convnet.optimizer).__name__ == "Adam"

    zoo = load_model(fixture("conv_zoo")[0])
    assert zoo.get_layer("grouped").groups == 2 and zoo.get_layer("grouped").strides == (2, 3)
    assert zoo.get_layer("transpose").output_padding == (1, 1)
    assert zoo.get_layer("zero_padding2d").padding == ((1, 2), (0, 1))
    assert zoo.get_layer("spatial_dropout2d").rate == pytest.approx(0.3)
    assert zoo.get_layer("spatial_dropout2d").seed == 4
    assert zoo.get_layer("layer_norm").axis == [1, 2, 3]

    text = load_model(fixture("text_conv")[0])
    assert text.get_layer("embedding").mask_zero and text.get_layer("causal_conv").padding == "causal"
    assert text.inputs[0].dtype == "int32"

    augmentation = load_model(fixture("augmentation")[0])
    translation = augmentation.get_layer("random_translation")
    assert (translation.fill_mode, translation.fill_value, translation.seed) == ("constant", 0.5, 2)
    assert augmentation.get_layer("random_rotation").interpolation == "nearest"
    assert augmentation.get_layer("random_contrast").value_range == (-0.5, 0.5)
    assert augmentation.get_layer("random_crop").seed == 6


def test_dropout_of_a_keras_graph_acts_in_training() -> None:
    """Keras writes ``training: false`` into the SpatialDropout2D node (its call's default), and its models
    replace it by their own flag in fit; read literally, the layer would never drop anything in Lamina's fit."""
    path, x, y = fixture("conv_zoo")
    model = load_model(path)
    assert all("training" not in node.call_kwargs for node in model.get_layer("spatial_dropout2d")._inbound_nodes)
    with no_grad():
        trained = model(x, training=True).data
    assert not np.allclose(trained, y, atol=1e-3)
    np.testing.assert_allclose(predict(model, x), y, atol=1e-5, rtol=0)


def test_keras_options_lamina_lacks_are_refused_naming_the_layer(tmp_path) -> None:
    path = fixture("conv_zoo")[0]
    config = read_json(path, "config.json")
    entry = next(e for e in config["config"]["layers"] if e["config"]["name"] == "dilated")
    entry["config"]["kernel_constraint"] = {"module": "keras.constraints", "class_name": "MaxNorm",
                                            "config": {"max_value": 2.0, "axis": 0}, "registered_name": None}
    with pytest.raises(ValueError, match=r'Keras layer "dilated" \(Conv2D\): option kernel_constraint=.* has no '
                                         r"Lamina equivalent"):
        load_model(rewritten(path, tmp_path / "constraint.keras", config))

    config = read_json(path, "config.json")
    entry = next(e for e in config["config"]["layers"] if e["config"]["name"] == "up_sampling2d")
    entry["config"]["interpolation"] = "bicubic"
    with pytest.raises(ValueError, match=r'UpSampling2D layer "up_sampling2d": only interpolation=\'nearest\''):
        load_model(rewritten(path, tmp_path / "bicubic.keras", config))

    config = read_json(path, "config.json")
    entry = next(e for e in config["config"]["layers"] if e["config"]["name"] == "layer_norm")
    entry["config"]["rms_scaling"] = True
    with pytest.raises(ValueError, match=r'Keras layer "layer_norm" \(LayerNormalization\): option '
                                         r"rms_scaling=True has no Lamina equivalent"):
        load_model(rewritten(path, tmp_path / "rms.keras", config))


# ----- Lamina -> Keras --------------------------------------------------------------------------------------------
def lamina_twin(name: str):
    """The model built with Lamina (same names and seeds), holding the Keras fixture's weights."""
    model = conv_models.build(keras, name)
    model.set_weights(load_model(fixture(name)[0], compile=False).get_weights())
    return model


@pytest.mark.parametrize("name", MODELS)
def test_written_conv_file_has_the_layout_keras_writes(name: str, tmp_path) -> None:
    reference, x, y = fixture(name)
    model = lamina_twin(name)
    target = tmp_path / f"{name}.keras"
    model.save(target)

    assert_same_file(target, reference, name)
    np.testing.assert_allclose(predict(load_model(target), x), y, atol=1e-5, rtol=0)


KERAS_CHECK = textwrap.dedent("""
    import os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras
    folder = sys.argv[1]
    for name in sys.argv[2:]:
        model = keras.models.load_model(os.path.join(folder, name + ".keras"))
        x = np.load(os.path.join(folder, name + "_x.npy"))
        np.save(os.path.join(folder, name + "_keras_y.npy"), np.asarray(model(x, training=False)))
        model.save(os.path.join(folder, name + "_by_keras.keras"))
""")


def test_round_trip_through_real_keras(tmp_path) -> None:
    python = keras_python()
    expected = {}
    for name in MODELS:
        _, x, _ = fixture(name)
        model = conv_models.build(keras, name)
        rng = np.random.default_rng(len(name))
        # random weights (kernels scaled to their fan-in); the moving variances positive
        model.set_weights([(rng.normal(0, 1 / np.sqrt(np.prod(w.shape[:-1])), w.shape) if w.ndim >= 2 else
                            rng.normal(0, 0.5, w.shape) if w.trainable else rng.uniform(0.5, 2.0, w.shape))
                           .astype(np.float32) for w in model.weights])
        model.save(tmp_path / f"{name}.keras")
        np.save(tmp_path / f"{name}_x.npy", x)
        expected[name] = (x, predict(model, x))
        assert np.isfinite(expected[name][1]).all()
    subprocess.run([*python, "-c", KERAS_CHECK, str(tmp_path), *MODELS], check=True, capture_output=True,
                   timeout=600)
    for name, (x, ours) in expected.items():
        np.testing.assert_allclose(np.load(tmp_path / f"{name}_keras_y.npy"), ours, atol=1e-5, rtol=0, err_msg=name)
        again = load_model(tmp_path / f"{name}_by_keras.keras")
        np.testing.assert_allclose(predict(again, x), ours, atol=1e-6, rtol=0, err_msg=name)
