"""Losses and metrics given to ``compile`` by name: the values ``evaluate`` reports and the history keys ``fit``
writes equal real Keras's for the same model and weights; user metrics (Metric subclasses, functions) report under
their names in fit's logs and history.

The expected values come from tests/data/losses_metrics/fixtures.json, written by Keras 3.15.1 with
tests/data/losses_metrics/make_fixtures.py (each setup: one Dense layer with fixed weights, 24 samples).
"""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import layers, metrics
from losses_metrics_fixtures import FIXTURES

ACCEPTED = [e for e in FIXTURES["compiled"] if "refused" not in e]
REFUSED = [e for e in FIXTURES["compiled"] if "refused" in e]


def case_id(entry: dict) -> str:
    return f"{entry['setup']}-{entry['loss']}-{'+'.join(entry['metrics']) or 'no_metrics'}"


def model_of(entry: dict) -> tuple[lamina.Sequential, np.ndarray, np.ndarray]:
    kernel = np.asarray(entry["kernel"], dtype=np.float32)
    model = lamina.Sequential([layers.Input(shape=(4,)), layers.Dense(kernel.shape[1], activation=entry["activation"])])
    model.set_weights([kernel, np.asarray(entry["bias"], dtype=np.float32)])
    model.compile(optimizer=lamina.optimizers.SGD(0.01), loss=entry["loss"], metrics=entry["metrics"])
    y = np.asarray(entry["y"])
    return model, np.asarray(entry["x"], dtype=np.float32), y.astype(np.float32) if y.dtype.kind == "f" else y


@pytest.mark.parametrize("entry", ACCEPTED, ids=case_id)
def test_evaluate_by_name_equals_keras(entry):
    model, x, y = model_of(entry)
    result = model.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=True)
    assert sorted(result) == sorted(entry["evaluate"])
    for key, expected in entry["evaluate"].items():
        # float32 round-off between TensorFlow's and NumPy's kernels, over 24 samples
        np.testing.assert_allclose(result[key], expected, rtol=2e-5, atol=2e-6, err_msg=key)


@pytest.mark.parametrize("entry", ACCEPTED, ids=case_id)
def test_fit_history_keys_equal_kerass(entry):
    model, x, y = model_of(entry)
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0, validation_data=(x, y), shuffle=False)
    assert sorted(history.history) == entry["history_keys"]


@pytest.mark.parametrize("entry", REFUSED, ids=case_id)
def test_names_keras_2_knew_are_accepted(entry):
    """Keras 3 refuses 'kld' as a metric and 'huber_loss' / 'logcosh' as losses; Keras 2 accepted them, and
    programs written for it still use them, so Lamina accepts them (as the same loss / metric)."""
    assert "Could not interpret" in entry["refused"]
    model, x, y = model_of(entry)
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert set(history.history) == {"loss", *entry["metrics"]}


class CategoricalTruePositives(metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = np.argmax(y_pred, axis=1) == np.asarray(y_true).reshape(-1)
        self.true_positives.assign_add(np.sum(hits))

    def result(self):
        return self.true_positives


class MinMax(metrics.Metric):
    """A metric whose result is a dict: each key goes into the logs, as in Keras."""

    def __init__(self, name="min_max", **kwargs):
        super().__init__(name=name, **kwargs)
        self.low = self.add_variable(shape=(), initializer="zeros", name="low")
        self.high = self.add_variable(shape=(), initializer="zeros", name="high")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.low.assign(np.min(y_pred))
        self.high.assign(np.max(y_pred))

    def result(self):
        return {"pred_min": self.low, "pred_max": self.high}


def mean_predicted_class(y_true, y_pred):
    return np.argmax(y_pred, axis=-1).astype(np.float32)


def test_user_metrics_report_under_their_names_in_logs_and_history():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives(), MinMax(), mean_predicted_class, "sparse_top_k_categorical_accuracy"])
    seen = []
    callback = lamina.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(dict(logs)))
    history = model.fit(x, y, batch_size=10, epochs=2, verbose=0, validation_split=0.25, callbacks=[callback])
    expected = {"categorical_true_positives", "pred_min", "pred_max", "mean_predicted_class",
                "sparse_top_k_categorical_accuracy", "loss"}
    assert set(history.history) == expected | {f"val_{key}" for key in expected}
    assert set(seen[0]) == expected
    # reset each epoch; counts the correct predictions of the 30 training samples of the last epoch at most
    assert 0 <= history.history["categorical_true_positives"][-1] <= 30
    assert seen[2]["categorical_true_positives"] >= seen[0]["categorical_true_positives"]
    probabilities = model.predict(x[30:], verbose=0)
    evaluated = model.evaluate(x[30:], y[30:], verbose=0, return_dict=True)
    assert evaluated["categorical_true_positives"] == np.sum(np.argmax(probabilities, 1) == y[30:])
    assert evaluated["pred_max"] == pytest.approx(probabilities.max(), rel=1e-6)
    assert evaluated["mean_predicted_class"] == pytest.approx(np.mean(np.argmax(probabilities, 1)))
