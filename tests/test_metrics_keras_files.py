""".keras files compiled with Keras's other losses and metrics: files real Keras wrote (by name, as configured
objects, as functions, with a user's registered class) load in Lamina compiled; Lamina writes them back with the
compile_config Keras wrote, and (where Keras is installed) real Keras loads Lamina's files compiled.

The fixtures in tests/data/losses_metrics/ were written by Keras 3.15.1 with make_fixtures.py there.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import zipfile

import numpy as np
import pytest

pytest.importorskip("h5py")

import lamina  # noqa: E402
from lamina import losses, metrics  # noqa: E402
from lamina.models import keras_config, load_model  # noqa: E402
from losses_metrics_fixtures import DATA, FIXTURES  # noqa: E402
from test_keras_format import keras_python  # noqa: E402

FILES = ("regression_names", "regression_objects", "onehot_names", "onehot_objects", "functions")


def compile_config(path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["compile_config"]


def data_for(name: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(12, 4)).astype(np.float32)
    if name.startswith("onehot"):
        return x, np.eye(5, dtype=np.float32)[rng.integers(0, 5, 12)]
    return x, rng.uniform(0.1, 3.0, (12, 3)).astype(np.float32)


def test_files_compiled_by_name_load_with_those_names():
    model = load_model(os.path.join(DATA, "regression_names.keras"))
    assert model.compiled and model.get_compile_config()["loss"] == "huber"
    assert type(model._loss_fn) is losses.Huber
    assert [m.name for m in model.compiled_metrics] == ["mape", "msle", "root_mean_squared_error",
                                                        "cosine_similarity", "log_cosh_error", "r2_score"]
    model = load_model(os.path.join(DATA, "onehot_names.keras"))
    assert type(model._loss_fn) is losses.KLDivergence
    assert [type(m) for m in model.compiled_metrics] == [metrics.AUC, metrics.TopKCategoricalAccuracy,
                                                         metrics.CategoricalHinge, metrics.Poisson, metrics.Precision]


def test_files_compiled_with_objects_keep_their_settings():
    model = load_model(os.path.join(DATA, "regression_objects.keras"))
    # Keras 3.15 does not write Huber's delta into the file (its get_config leaves it out), so it reads back as
    # the default 1.0 in Keras too; Lamina writes delta, which Keras's from_config accepts.
    assert type(model._loss_fn) is losses.Huber and model._loss_fn.fn_kwargs["delta"] == 1.0
    pct, r2, cosine = model.compiled_metrics
    assert (type(pct), pct.name, type(r2), r2.class_aggregation) == (
        metrics.MeanAbsolutePercentageError, "pct", metrics.R2Score, "variance_weighted_average")
    model = load_model(os.path.join(DATA, "onehot_objects.keras"))
    loss = model._loss_fn
    assert type(loss) is losses.CategoricalFocalCrossentropy and loss.fn_kwargs["gamma"] == 1.0
    auc, precision, top_k, f1 = model.compiled_metrics
    assert (auc.name, auc.num_thresholds, auc.curve) == ("pr_auc", 50, "PR")
    assert (precision.thresholds, precision.top_k, top_k.fn_kwargs["k"], f1.average) == ([0.3], 2, 2, "macro")


def test_files_compiled_with_functions_load_lamina_s_functions():
    model = load_model(os.path.join(DATA, "functions.keras"))
    config = model.get_compile_config()
    assert config["loss"] is losses.huber
    assert config["metrics"][:2] == [metrics.mean_absolute_error, losses.kl_divergence]
    assert [m.name for m in model.compiled_metrics] == ["mean_absolute_error", "kl_divergence", "mse"]
    assert [m.name for m in model.weighted_metrics] == ["mae"]


def test_a_users_registered_class_and_function_come_from_custom_objects():
    config = FIXTURES["custom_compile_config"]

    class FourthPower(losses.Loss):
        def __init__(self, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * lamina.mean((y_pred - y_true) ** 4, axis=-1)

    def my_metric(y_true, y_pred):
        return np.mean(y_pred, axis=-1)

    with pytest.raises(ValueError, match=r"'my_package>FourthPower' is not one Lamina has.*custom_objects"):
        keras_config.compile_from_keras(config)
    arguments = keras_config.compile_from_keras(config, {"my_package>FourthPower": FourthPower,
                                                         "my_metric": my_metric})
    assert isinstance(arguments["loss"], FourthPower) and arguments["loss"].scale == 2.0
    assert arguments["loss"].name == "fourth" and arguments["metrics"] == [my_metric, "mae"]
    with pytest.raises(ValueError, match=r"'my_metric' is not one Lamina has"):
        keras_config.compile_from_keras(config, {"FourthPower": FourthPower})


@pytest.mark.parametrize("name", FILES)
def test_lamina_writes_back_the_compile_config_keras_wrote(name, tmp_path):
    source = os.path.join(DATA, f"{name}.keras")
    model = load_model(source)
    x, y = data_for(name)
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    model.save(tmp_path / f"{name}.keras")
    ours, theirs = compile_config(tmp_path / f"{name}.keras"), compile_config(source)
    for key in ("loss", "metrics", "weighted_metrics"):
        mine, keras_entries = ours[key], theirs[key]
        if isinstance(keras_entries, list):
            assert len(mine) == len(keras_entries)
        for a, b in zip(mine if isinstance(mine, list) else [mine], keras_entries if isinstance(keras_entries, list)
                        else [keras_entries]):
            if isinstance(b, dict):
                assert (a["module"], a["class_name"], a["registered_name"]) == \
                    (b["module"], b["class_name"], b["registered_name"]), key
                if isinstance(b["config"], dict):
                    assert set(b["config"]) <= set(a["config"]), key  # Lamina adds Huber's delta
                    assert {k: a["config"][k] for k in b["config"]} == b["config"], key
                else:
                    assert a["config"] == b["config"]
            else:
                assert a == b, key
    again = load_model(tmp_path / f"{name}.keras")
    assert again.evaluate(x, y, verbose=0, return_dict=True) == before


KERAS_CHECK = textwrap.dedent("""
    import json, os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras
    model = keras.models.load_model(sys.argv[1])
    x, y = np.load(sys.argv[2]), np.load(sys.argv[3])
    result = model.evaluate(x, y, verbose=0, return_dict=True, batch_size=len(x))
    print(json.dumps({key: np.asarray(value).tolist() for key, value in result.items()}))
""")


@pytest.mark.parametrize("name", FILES)
def test_real_keras_loads_lamina_s_files_compiled(name, tmp_path):
    python = keras_python()
    model = load_model(os.path.join(DATA, f"{name}.keras"))
    model.save(tmp_path / "m.keras")
    x, y = data_for(name)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    done = subprocess.run([*python, "-c", KERAS_CHECK, str(tmp_path / "m.keras"), str(tmp_path / "x.npy"),
                           str(tmp_path / "y.npy")], check=True, capture_output=True, text=True, timeout=300)
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    ours = model.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=True)
    assert sorted(theirs) == sorted(ours)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-5, atol=2e-6, err_msg=key)


class Threshold(metrics.Metric):
    """A user's metric with a config of its own."""

    def __init__(self, level=0.5, name="above", **kwargs):
        super().__init__(name=name, **kwargs)
        self.level = level
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.count.assign_add(np.sum(np.asarray(y_pred) > self.level))

    def result(self):
        return float(self.count.numpy())

    def get_config(self):
        return {**super().get_config(), "level": self.level}


def test_lamina_files_keep_functions_and_users_classes(tmp_path):
    x, y = data_for("regression")
    model = lamina.Sequential([lamina.layers.Input(shape=(4,)), lamina.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=losses.huber, metrics=[metrics.mean_absolute_error, Threshold(level=0.25),
                                                              losses.log_cosh])
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    for name in ("m.lamina", "m.keras"):
        model.save(tmp_path / name)
        with pytest.raises(ValueError, match=r"'Threshold'"):
            load_model(tmp_path / name) if name.endswith(".lamina") else \
                keras_config.compile_from_keras(compile_config(tmp_path / name))
    again = load_model(tmp_path / "m.lamina", custom_objects={"Threshold": Threshold})
    assert again.get_compile_config()["loss"] is losses.huber
    threshold = again.compiled_metrics[1]
    assert isinstance(threshold, Threshold) and threshold.level == 0.25
    assert again.evaluate(x, y, verbose=0, return_dict=True) == expected
    entries = compile_config(tmp_path / "m.keras")
    assert entries["loss"] == {"module": "builtins", "class_name": "function", "config": "huber",
                               "registered_name": "function"}
    assert entries["metrics"][1] == {"module": None, "class_name": "Threshold",
                                     "config": {"name": "above", "dtype": "float32", "level": 0.25},
                                     "registered_name": "Threshold"}
    arguments = keras_config.compile_from_keras(entries, {"Threshold": Threshold})
    assert arguments["metrics"][0] is metrics.mean_absolute_error and arguments["metrics"][2] is losses.log_cosh
