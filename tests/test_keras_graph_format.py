""".keras interchange of functional models: merges, ``x + y`` operations and slicing, shared layers, several inputs
and outputs, a functional and a Sequential model nested inside a functional one, a functional model inside a
Sequential, shape layers, and a Lambda saved by name.

- Keras -> Lamina: the files in tests/data/keras/graph_*.keras were written by Keras 3.15.1
  (tests/data/keras/make_graph_fixtures.py); Lamina loads each and reproduces Keras's predictions.
- Lamina -> Keras: the same models built with Lamina (tests/graph_models.py) and given the Keras file's
  weights are saved, and the file's config and HDF5 layout are compared with the Keras-written one entry by entry,
  so CI checks the written format without TensorFlow. Where Keras is installed (or LAMINA_KERAS_PYTHON names a
  Python that has it), real Keras also loads every Lamina-written file, predicts, and saves it again, and Lamina
  reads that file back.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import zipfile

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

import graph_models  # tests/graph_models.py
from lamina import keras  # noqa: E402
from lamina.models import load_model  # noqa: E402
from lamina.tensor import no_grad  # noqa: E402

from test_keras_format import h5_layout, keras_python, read_json, rewritten  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
MODELS = ("residual", "shared", "merges", "multi_io", "nested", "sequential_of_model", "tensor_ops", "reshaping",
          "lambda")

CUSTOM = {"scale_by_two": graph_models.scale_by_two}


def fixture(name: str) -> tuple[str, list[np.ndarray], list[np.ndarray]]:
    arrays = np.load(os.path.join(DATA, "keras", f"graph_{name}_io.npz"))
    xs = [arrays[f"x_{i}"] for i in range(sum(k.startswith("x_") for k in arrays))]
    ys = [arrays[f"y_{i}"] for i in range(sum(k.startswith("y_") for k in arrays))]
    return os.path.join(DATA, "keras", f"graph_{name}.keras"), xs, ys


def run(model, xs: list[np.ndarray]) -> list[np.ndarray]:
    """The model's outputs in inference mode, as a list (one array per output)."""
    with no_grad():
        out = model(xs if len(xs) > 1 else xs[0], training=False)
    return [t.data for t in out] if isinstance(out, (list, tuple)) else [out.data]


# ----- Keras -> Lamina --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_keras_graph_files_load_with_keras_predictions(name: str) -> None:
    path, xs, ys = fixture(name)
    model = load_model(path, custom_objects=CUSTOM)
    outputs = run(model, xs)
    assert len(outputs) == len(ys)
    for ours, theirs in zip(outputs, ys):
        np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=0)


def test_loaded_graph_keeps_keras_structure() -> None:
    model = load_model(fixture("shared")[0])
    assert [layer.name for layer in model.layers] == [
        "left", "right", "shared_encoder", "joined", "difference", "features", "same"]
    assert len(model.get_layer("shared_encoder")._inbound_nodes) == 4 and len(model.weights) == 4
    assert model.input_names == ["left", "right"]

    nested = load_model(fixture("nested")[0])
    assert [type(layer).__name__ for layer in nested.layers] == [
        "InputLayer", "Functional", "Sequential", "BatchNormalization", "Dense"]
    assert [layer.name for layer in nested.get_layer("encoder").layers] == [
        "encoder_input", "encoder_hidden", "encoder_code"]
    assert nested.get_layer("norm").moving_variance.data.min() >= 0.5  # Keras's statistics, not fresh ones

    multi = load_model(fixture("multi_io")[0])
    assert multi.output_names == ["priority", "department"] and len(multi.inputs) == 3

    compiled = load_model(fixture("residual")[0])
    assert compiled.compiled and type(compiled.optimizer).__name__ == "Adam"
    assert compiled.optimizer.learning_rate == pytest.approx(0.005)


def test_lambda_function_comes_only_from_custom_objects(tmp_path) -> None:
    path = fixture("lambda")[0]
    with pytest.raises(ValueError, match=r'Lambda layer "double": its function \'scale_by_two\' is saved by name only '
                                         r"\(never as code\); give it when loading: load_model\(\.\.\., "
                                         r"custom_objects=\{'scale_by_two': scale_by_two\}\)"):
        load_model(path)
    # Keras writes a Python lambda as marshalled bytecode: refused, naming the layer, and never run.
    config = read_json(path, "config.json")
    lambda_entry = next(e for e in config["config"]["layers"] if e["class_name"] == "Lambda")
    lambda_entry["config"]["function"] = {"class_name": "__lambda__",
                                          "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None}}
    with pytest.raises(ValueError, match=r'Keras layer "double" \(Lambda\): its function is stored as Python '
                                         r"bytecode \(a lambda\), which Lamina never runs"):
        load_model(rewritten(path, tmp_path / "bytecode.keras", config), custom_objects=CUSTOM)


# ----- Lamina -> Keras --------------------------------------------------------------------------------------------
def lamina_twin(name: str):
    """The model built with Lamina (same names), holding the Keras fixture's weights."""
    model = graph_models.build(keras, name)
    model.set_weights(load_model(fixture(name)[0], custom_objects=CUSTOM, compile=False).get_weights())
    return model


# Keys Lamina leaves out because they hold Keras's "off" value or carry nothing Lamina uses (a compile_config of
# {} for an uncompiled model, a call's mask=None, the axes options Keras 3.15 added to initializers, the id Keras
# gives a dtype policy object it writes twice).
_OPTIONAL = {"compile_config", "mask", "input_axes", "output_axes", "shared_object_id"}


def assert_same_config(ours, theirs, where: str) -> None:
    """Lamina's config equals Keras's, except keys of ``_OPTIONAL`` that Lamina may leave out and the dtype
    policy (Lamina writes the plain name)."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        missing = set(theirs) - set(ours) - _OPTIONAL
        extra = set(ours) - set(theirs) - {"mask", "output_shape"}  # Lambda's off values, accepted by Keras
        assert not missing and not extra, f"{where}: missing {missing}, extra {extra}"
        for key in set(ours) & set(theirs):
            if key == "dtype" and isinstance(theirs[key], dict) and isinstance(ours[key], str):
                assert ours[key] == theirs[key]["config"]["name"], f"{where}.dtype"
            else:
                assert_same_config(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list) and isinstance(ours, list):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_config(a, b, f"{where}[{i}]")
    else:
        assert ours == theirs, f"{where}: ours {ours!r}, Keras {theirs!r}"


def assert_same_file(target, reference, name: str) -> None:
    """The .keras file Lamina wrote at ``target`` has the members, config and HDF5 layout and values of the one
    Keras wrote at ``reference`` (the compile_config and optimizer aside: the twins are not compiled)."""
    with zipfile.ZipFile(target) as ours, zipfile.ZipFile(reference) as theirs:
        assert sorted(ours.namelist()) == sorted(theirs.namelist())
    ours, theirs = read_json(target, "config.json"), read_json(reference, "config.json")
    theirs.pop("compile_config", None)
    for entry in theirs["config"].get("layers", []):
        # Keras records the default of a call's ``training`` (Dropout's False), which the model's own flag
        # replaces whenever it is given (fit, predict); Lamina records none.
        for node in entry.get("inbound_nodes") or []:
            node["kwargs"].pop("training", None)
    assert_same_config(ours, theirs, name)

    our_layout, their_layout = h5_layout(target), h5_layout(reference)
    their_layout = {k: v for k, v in their_layout.items() if not k.startswith("optimizer")}
    assert our_layout.keys() == their_layout.keys()
    for key, (kind, shape, dtype, attributes, value) in their_layout.items():
        assert our_layout[key][:4] == (kind, shape, dtype, attributes), key
        if kind == "dataset":
            np.testing.assert_array_equal(our_layout[key][4], value, err_msg=key)


@pytest.mark.parametrize("name", MODELS)
def test_written_graph_file_has_the_layout_keras_writes(name: str, tmp_path) -> None:
    reference, xs, ys = fixture(name)
    model = lamina_twin(name)
    target = tmp_path / f"{name}.keras"
    model.save(target)
    assert_same_file(target, reference, name)
    for ours_out, theirs_out in zip(run(load_model(target, custom_objects=CUSTOM), xs), ys):
        np.testing.assert_allclose(ours_out, theirs_out, atol=1e-5, rtol=0)


def test_lambda_of_an_anonymous_function_is_refused_on_saving(tmp_path) -> None:
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 3, name="triple")(inputs))
    for target in (tmp_path / "anonymous.keras", tmp_path / "anonymous.lamina"):
        with pytest.raises(ValueError, match=r'Lambda layer "triple": its function .* is an anonymous lambda'):
            model.save(target)
    assert not os.listdir(tmp_path)


KERAS_CHECK = textwrap.dedent("""
    import os, sys, importlib.util
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras
    spec = importlib.util.spec_from_file_location("graph_models", sys.argv[1])
    graph_models = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(graph_models)
    folder = sys.argv[2]
    for name in sys.argv[3:]:
        model = keras.models.load_model(os.path.join(folder, name + ".keras"),
                                        custom_objects={"scale_by_two": graph_models.scale_by_two})
        arrays = np.load(os.path.join(folder, name + "_x.npz"))
        xs = [arrays["x_%d" % i] for i in range(len(arrays.files))]
        out = model(xs if len(xs) > 1 else xs[0], training=False)
        out = out if isinstance(out, (list, tuple)) else [out]
        np.savez(os.path.join(folder, name + "_keras_y.npz"), *[np.asarray(y) for y in out])
        model.save(os.path.join(folder, name + "_by_keras.keras"))
""")


def test_round_trip_through_real_keras(tmp_path) -> None:
    python = keras_python()
    expected = {}
    for name in MODELS:
        _, xs, _ = fixture(name)
        model = graph_models.build(keras, name)
        rng = np.random.default_rng(len(name))
        # random weights; the non-trainable ones (moving variances) positive
        model.set_weights([(rng.normal(0, 0.5, w.shape) if w.trainable else rng.uniform(0.5, 2.0, w.shape))
                           .astype(np.float32) for w in model.weights])
        model.save(tmp_path / f"{name}.keras")
        np.savez(tmp_path / f"{name}_x.npz", **{f"x_{i}": x for i, x in enumerate(xs)})
        expected[name] = (xs, run(model, xs))
        assert all(np.isfinite(y).all() for y in expected[name][1])
    subprocess.run([*python, "-c", KERAS_CHECK, graph_models.__file__, str(tmp_path), *MODELS], check=True,
                   capture_output=True, timeout=600)
    for name, (xs, outputs) in expected.items():
        keras_outputs = np.load(tmp_path / f"{name}_keras_y.npz")
        for i, ours in enumerate(outputs):
            np.testing.assert_allclose(keras_outputs[f"arr_{i}"], ours, atol=1e-5, rtol=0, err_msg=name)
        again = load_model(tmp_path / f"{name}_by_keras.keras", custom_objects=CUSTOM)
        for ours, back in zip(outputs, run(again, xs)):
            np.testing.assert_allclose(back, ours, atol=1e-6, rtol=0, err_msg=name)
