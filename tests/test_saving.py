"""model.save / load_model in Lamina's own format: round trips of every layer type, atomic saves (a failing write
and a killed process), training resumed from a file equal to training that never stopped, and clear errors for
files that are damaged, newer or not models at all."""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from typing import Any, Callable

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.callbacks import ModelCheckpoint
from lamina.models import Sequential, load_model
from lamina.models import saving
from lamina.models.compile_io import compile_settings

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def data(n: int = 64, features: int = 6, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n)]
    return x, y


# One small model per layer type (and configuration worth keeping), all trained a little before saving.
BUILDERS: dict[str, Callable[[], Sequential]] = {
    "dense": lambda: Sequential([
        layers.Input(shape=(6,)),
        layers.Dense(5, activation="tanh", kernel_initializer="he_normal",
                     kernel_regularizer=lamina.regularizers.l2(1e-3),
                     bias_regularizer=lamina.regularizers.L1L2(l1=1e-4, l2=1e-4)),
        layers.Dense(4, use_bias=False, activation="leaky_relu"),
        layers.Dense(3, activation="softmax", name="out")]),
    "batch_normalization": lambda: Sequential([
        layers.Dense(5, input_shape=(6,)), layers.BatchNormalization(momentum=0.8, epsilon=1e-2),
        layers.BatchNormalization(center=False, scale=False), layers.Dense(3, activation="softmax")]),
    "dropout": lambda: Sequential([
        layers.Input(shape=(6,)), layers.Dense(8, activation="relu"), layers.Dropout(0.4, seed=3),
        layers.Dense(3, activation="softmax")]),
    "gaussian_noise": lambda: Sequential([
        layers.Input(shape=(6,)), layers.GaussianNoise(0.2), layers.Dense(3, activation="softmax")]),
    "activations": lambda: Sequential([
        layers.Input(shape=(6,)), layers.Dense(5), layers.LeakyReLU(negative_slope=0.05), layers.Dense(4),
        layers.Activation("sigmoid"), layers.Dense(3), layers.Softmax(temperature=2.0)]),
    "flatten": lambda: Sequential([
        layers.Input(shape=(2, 3)), layers.Flatten(), layers.Dense(3, activation="softmax")]),
}


def trained(name: str, optimizer="adam", metrics=("accuracy",)) -> tuple[Sequential, np.ndarray]:
    lamina.utils.set_random_seed(1)
    model = BUILDERS[name]()
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=list(metrics))
    x, y = data()
    if name == "flatten":
        x = x.reshape(-1, 2, 3)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model, x


def architecture(model: Sequential) -> dict:
    """get_config() with the input shape in one place: a rebuilt model has an Input layer (with a fresh name) where
    the original may have had a first layer's ``input_shape``."""
    config = model.get_config()
    for entry in config["layers"]:
        if entry["class_name"] == "InputLayer":
            entry["config"] = {key: entry["config"][key] for key in ("batch_shape", "dtype")}
        entry["config"].pop("batch_input_shape", None)
    return config


def assert_same_state(a: Sequential, b: Sequential) -> None:
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert architecture(a) == architecture(b)
    assert compile_settings(a) == compile_settings(b)
    state_a, state_b = a.optimizer.get_state(), b.optimizer.get_state()
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key])


# ----- round trips ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_round_trip_keeps_predictions_weights_config_and_compile(tmp_path, name: str) -> None:
    model, x = trained(name)
    path = tmp_path / "model.lamina"
    model.save(path)
    loaded = load_model(path)
    assert loaded is not model
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert_same_state(model, loaded)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8


def test_optimizer_objects_metric_objects_and_an_uncompiled_model(tmp_path) -> None:
    model, x = trained("dense", optimizer=lamina.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
                       metrics=[lamina.metrics.CategoricalAccuracy(name="cat_acc"), "mae"])
    model.save(tmp_path / "a.lamina")
    loaded = load_model(tmp_path / "a.lamina")
    assert_same_state(model, loaded)
    assert loaded.metrics_names == model.metrics_names == ["loss", "cat_acc", "mae"]

    bare = BUILDERS["dense"]()
    bare.save(tmp_path / "b.lamina")
    loaded = load_model(tmp_path / "b.lamina")
    assert not loaded.compiled and architecture(loaded) == architecture(bare)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), bare.predict(x, verbose=0))
    # compile=False gives the architecture and weights only
    assert not load_model(tmp_path / "a.lamina", compile=False).compiled


def test_a_loss_of_your_own_is_kept_by_name(tmp_path) -> None:
    def my_loss(y_true, y_pred):
        return lamina.mean((y_pred - y_true) ** 2, axis=-1)

    model = BUILDERS["dense"]()
    model.compile(optimizer="sgd", loss=my_loss)
    model.save(tmp_path / "m.lamina")
    with pytest.raises(ValueError, match=r"m\.lamina.*'my_loss'.*custom_objects"):
        load_model(tmp_path / "m.lamina")
    loaded = load_model(tmp_path / "m.lamina", custom_objects={"my_loss": my_loss})
    assert loaded.get_compile_config()["loss"] is my_loss


def test_the_file_is_a_zip_of_json_and_plain_arrays(tmp_path) -> None:
    model, _ = trained("dropout")
    model.save(tmp_path / "m.lamina")
    with zipfile.ZipFile(tmp_path / "m.lamina") as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        training = json.loads(archive.read("training.json"))
    assert names[:3] == ["manifest.json", "config.json", "training.json"]
    assert manifest["format"] == "lamina" and manifest["format_version"] == saving.FORMAT_VERSION
    assert manifest["lamina_version"] == lamina.__version__ and manifest["created"]
    assert sum(n.startswith("weights/") for n in names) == len(model.weights)
    assert training["optimizer_state"]["iterations"] == 8
    assert training["rng"]["shuffle"]["bit_generator"] == "PCG64"
    assert list(training["rng"]["layers"]) == [model.layers[1].name]


# ----- resuming -------------------------------------------------------------------------------------------------
def dropout_model() -> Sequential:
    lamina.utils.set_random_seed(7)
    model = Sequential([layers.Input(shape=(6,)), layers.Dense(16, activation="relu"), layers.Dropout(0.3),
                        layers.BatchNormalization(), layers.GaussianNoise(0.1), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def assert_resuming_is_bit_identical(make_model: Callable[[], Any], x: np.ndarray, y: np.ndarray,
                                     folder) -> None:
    """4 epochs straight equal 2 epochs, a save, a load and 2 more epochs, bit for bit (weights and steps)."""
    uninterrupted = make_model()
    uninterrupted.fit(x, y, epochs=4, batch_size=16, verbose=0)

    first_half = make_model()
    first_half.fit(x, y, epochs=2, batch_size=16, verbose=0)
    first_half.save(folder / "half.lamina")
    del first_half
    resumed = load_model(folder / "half.lamina")
    history = resumed.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0)

    assert history.epoch == [2, 3]
    for a, b in zip(uninterrupted.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    steps = 4 * -(-len(x) // 16)
    assert resumed.optimizer.iterations == uninterrupted.optimizer.iterations == steps


def test_resumed_training_is_bit_identical_to_uninterrupted_training(tmp_path) -> None:
    x, y = data(100)
    assert_resuming_is_bit_identical(dropout_model, x, y, tmp_path)


def test_save_weights_then_initial_epoch_resumes(tmp_path) -> None:
    x, y = data(100)
    model = dropout_model()
    model.fit(x, y, epochs=2, verbose=0)
    model.save_weights(tmp_path / "w.npz")
    fresh = dropout_model()
    fresh.load_weights(tmp_path / "w.npz")
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    history = fresh.fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3] and len(history.history["loss"]) == 2


def test_model_checkpoint_writes_loadable_models(tmp_path) -> None:
    x, y = data(64)
    model = dropout_model()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "ckpt-{epoch}.lamina"),
                                                                    monitor="loss")])
    loaded = load_model(tmp_path / "ckpt-2.lamina")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert load_model(tmp_path / "ckpt-1.lamina").optimizer.iterations == 2
    assert not glob.glob(str(tmp_path / ".*.tmp"))


# ----- interrupted saves ----------------------------------------------------------------------------------------
def test_a_write_that_fails_midway_leaves_the_old_file(tmp_path, monkeypatch) -> None:
    model, x = trained("dense")
    path = tmp_path / "m.lamina"
    model.save(path)
    before = path.read_bytes()
    model.fit(x, data()[1], epochs=1, verbose=0)  # the next save would differ

    calls = []

    def failing_write(archive, name, array):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full (simulated)")
        original(archive, name, array)

    original = saving._write_array
    monkeypatch.setattr(saving, "_write_array", failing_write)
    with pytest.raises(OSError, match="simulated"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.lamina"]  # the temporary file is gone too
    assert load_model(path).optimizer.iterations == 8


KILLED_SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    from lamina import layers
    from lamina.models import Sequential

    model = Sequential([layers.Input(shape=(500,)), layers.Dense(1500), layers.Dense(1500), layers.Dense(500)])
    model.compile(optimizer="adam", loss="mse")
    i = 0
    while True:
        for w in model.weights:          # every save has different content: all weights equal to i
            w.data[...] = i
        model.save(sys.argv[1])
        print(i, flush=True)
        i += 1
""")


def test_a_process_killed_while_saving_leaves_a_whole_previous_file(tmp_path) -> None:
    path = tmp_path / "big.lamina"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    killed_mid_save = False
    for attempt in range(4):
        child = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, str(path)], env=env, stdout=subprocess.PIPE,
                                 text=True)
        try:
            assert child.stdout.readline().strip() == "0"  # one complete save on disk
            time.sleep(0.05 + 0.07 * attempt)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        leftovers = glob.glob(str(tmp_path / ".big.lamina.*.tmp"))
        loaded = load_model(path)  # the previous complete file
        values = {float(np.unique(w)[0]) for w in loaded.get_weights()}
        assert len(values) == 1 and all(np.unique(w).size == 1 for w in loaded.get_weights())
        if leftovers:  # the kill landed inside save(): the torn file is the temporary one
            killed_mid_save = True
            for leftover in leftovers:
                os.unlink(leftover)
            break
    assert killed_mid_save, "the child was never killed in the middle of a save"


# ----- bad files ----------------------------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    model, _ = trained("batch_normalization")
    path = tmp_path / "good.lamina"
    model.save(path)
    return path


def test_truncated_file(saved, tmp_path) -> None:
    content = saved.read_bytes()
    for cut in (len(content) // 2, len(content) - 10):
        bad = tmp_path / "cut.lamina"
        bad.write_bytes(content[:cut])
        with pytest.raises(ValueError, match=r"cut\.lamina is truncated or corrupt"):
            load_model(bad)


def test_corrupted_weights_are_caught_by_the_checksum(saved, tmp_path) -> None:
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("weights/0.npy")
    content = bytearray(saved.read_bytes())
    # past the member's local header (30 bytes + name + extra) and the .npy header, into the numbers
    position = info.header_offset + 30 + len(info.filename) + len(info.extra) + 140
    content[position] ^= 0xFF
    bad = tmp_path / "flipped.lamina"
    bad.write_bytes(bytes(content))
    with pytest.raises(ValueError, match=r"flipped\.lamina.*weights/0\.npy is damaged"):
        load_model(bad)


def rewrite(source, target, replace: dict[str, bytes]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            new.writestr(item, replace.get(item.filename, old.read(item.filename)))


def test_newer_format_version(saved, tmp_path) -> None:
    manifest = json.loads(zipfile.ZipFile(saved).read("manifest.json"))
    manifest.update(format_version=saving.FORMAT_VERSION + 1, lamina_version="9.0")
    rewrite(saved, tmp_path / "new.lamina", {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(ValueError, match=r"new\.lamina: the file has format version 2 \(written by Lamina 9\.0\), "
                                         r"newer than this Lamina"):
        load_model(tmp_path / "new.lamina")


def test_files_that_are_not_models(saved, tmp_path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.txt is not a Lamina or Keras model file"):
        load_model(text)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.md", "hi")
    with pytest.raises(ValueError, match=r"other\.zip is a zip archive but not a Lamina model"):
        load_model(other)
    rewrite(saved, tmp_path / "odd.lamina", {"manifest.json": b'{"format": "tensorflow"}'})
    with pytest.raises(ValueError, match=r"odd\.lamina: not a Lamina model file .*'tensorflow'"):
        load_model(tmp_path / "odd.lamina")
    rewrite(saved, tmp_path / "json.lamina", {"config.json": b"{not json"})
    with pytest.raises(ValueError, match=r"json\.lamina: config\.json is not valid JSON"):
        load_model(tmp_path / "json.lamina")
    model = load_model(saved)
    model.save_weights(tmp_path / "w.npz")
    with pytest.raises(ValueError, match=r"w\.npz is a weights file written by save_weights"):
        load_model(tmp_path / "w.npz")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.lamina")


def test_unknown_layer_classes_are_refused_not_imported(saved, tmp_path) -> None:
    config = json.loads(zipfile.ZipFile(saved).read("config.json"))
    config["config"]["layers"][1]["class_name"] = "os.system"
    rewrite(saved, tmp_path / "evil.lamina", {"config.json": json.dumps(config).encode()})
    with pytest.raises(ValueError, match=r"evil\.lamina: cannot rebuild the model: Unknown layer class 'os\.system'"):
        load_model(tmp_path / "evil.lamina")


def test_overwrite_false(saved) -> None:
    with pytest.raises(FileExistsError):
        load_model(saved).save(saved, overwrite=False)
