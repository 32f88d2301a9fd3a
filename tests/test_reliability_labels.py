"""Issue 12, item 6: a rejected fit changes nothing.

Every label is checked against the model's output and the loss before the first step: a bad label late in the
data used to be found only by the loss of its batch, after earlier batches had taken optimizer steps, and even
a bad first batch moved BatchNormalization's moving statistics (the forward pass runs before the loss). Each
test snapshots weights, moving statistics and optimizer state, makes the call fail, and compares.
"""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models import Sequential

N = 256


def make_model(loss: str = "sparse_categorical_crossentropy", units: int = 3, built: bool = True,
               activation: str = "softmax") -> Sequential:
    lamina.utils.set_random_seed(0)
    stack = [layers.Dense(8), layers.BatchNormalization(), layers.Activation("relu"),
             layers.Dense(units, activation=activation)]
    model = Sequential(([layers.Input(shape=(4,))] if built else []) + stack)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def features(n: int = N) -> np.ndarray:
    return np.random.default_rng(1).normal(size=(n, 4)).astype(np.float32)


def snapshot(model: Sequential) -> tuple[list[np.ndarray], dict]:
    return model.get_weights(), model.optimizer.get_state()


def assert_unchanged(model: Sequential, before: tuple[list[np.ndarray], dict]) -> None:
    weights, state = before
    for now, then in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(now, then)
    now_state = model.optimizer.get_state()
    assert now_state.keys() == state.keys()
    for key, value in state.items():
        np.testing.assert_array_equal(now_state[key], value)
    assert model.optimizer.iterations == 0


def late_bad_labels(bad: float, dtype=np.int64) -> np.ndarray:
    y = (np.arange(N) % 3).astype(dtype)
    y[N - 7] = bad  # in the last batch: every earlier batch would have stepped
    return y


@pytest.mark.parametrize("bad, dtype, words", [
    (3, np.int64, "sample 249"), (-1, np.int64, "sample 249"), (1.5, np.float32, "integer"),
])
def test_sparse_label_out_of_range_is_refused_before_any_step(bad, dtype, words) -> None:
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match=words) as error:
        model.fit(features(), late_bad_labels(bad, dtype), batch_size=32, epochs=1, verbose=0)
    assert "[0, 2]" in str(error.value) and "y" in str(error.value)
    assert_unchanged(model, before)


def test_train_on_batch_refuses_before_the_forward_pass() -> None:
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        model.train_on_batch(features(32), late_bad_labels(5)[-32:])
    assert_unchanged(model, before)


def test_bad_validation_labels_are_refused_before_training() -> None:
    model = make_model()
    before = snapshot(model)
    x = features()
    with pytest.raises(ValueError, match="validation_data y"):
        model.fit(x, np.arange(N) % 3, validation_data=(x[:10], np.full(10, 7)), epochs=2, verbose=0)
    assert_unchanged(model, before)


@pytest.mark.parametrize("labels, words", [
    (np.full((N, 1), 2.0, np.float32), r"in \[0, 1\]"),
    (np.full((N, 1), -0.5, np.float32), r"in \[0, 1\]"),
    (np.ones((N, 2), np.float32), "shape"),
])
def test_binary_labels_are_checked(labels, words) -> None:
    model = make_model(loss="binary_crossentropy", units=1, activation="sigmoid")
    before = snapshot(model)
    with pytest.raises(ValueError, match=words):
        model.fit(features(), labels, epochs=1, verbose=0)
    assert_unchanged(model, before)


def test_one_hot_labels_must_match_the_output() -> None:
    model = make_model(loss="categorical_crossentropy")
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"\(256, 4\).*\(None, 3\)|\(None, 3\).*\(256, 4\)"):
        model.fit(features(), np.eye(4, dtype=np.float32)[np.arange(N) % 4], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(features(), np.arange(N) % 3, epochs=1, verbose=0)
    assert_unchanged(model, before)


def test_regression_targets_must_match_the_output() -> None:
    model = make_model(loss="mse", units=2, activation="linear")
    before = snapshot(model)
    with pytest.raises(ValueError, match="shape"):
        model.fit(features(), np.zeros((N, 3), np.float32), epochs=1, verbose=0)
    assert_unchanged(model, before)


def test_non_finite_labels_are_refused_before_any_step() -> None:
    model = make_model(loss="mse", units=1, activation="linear")
    before = snapshot(model)
    y = np.zeros((N, 1), np.float32)
    y[-1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(features(), y, epochs=1, verbose=0)
    assert_unchanged(model, before)


def test_unbuilt_model_is_built_from_x_and_refused_with_fresh_statistics() -> None:
    model = make_model(built=False)
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        model.fit(features(), late_bad_labels(9), epochs=1, verbose=0)
    assert model.built and model.optimizer.iterations == 0
    batch_norm = model.layers[1]
    np.testing.assert_array_equal(batch_norm.moving_mean.data, np.zeros(8, np.float32))
    np.testing.assert_array_equal(batch_norm.moving_variance.data, np.ones(8, np.float32))


def test_evaluate_refuses_before_the_first_batch() -> None:
    model = make_model()
    calls = []

    class Count(lamina.callbacks.Callback):
        def on_test_batch_begin(self, batch, logs=None):
            calls.append(batch)

    with pytest.raises(ValueError, match="sample 249"):
        model.evaluate(features(), late_bad_labels(3), batch_size=32, verbose=0, callbacks=[Count()])
    assert calls == []


def test_good_labels_in_every_accepted_form_still_train() -> None:
    for loss, labels, units, activation in (
            ("sparse_categorical_crossentropy", (np.arange(N) % 3).reshape(N, 1), 3, "softmax"),
            ("sparse_categorical_crossentropy", (np.arange(N) % 3).astype(np.float32), 3, "softmax"),
            ("binary_crossentropy", (np.arange(N) % 2).astype(bool), 1, "sigmoid"),
            ("categorical_crossentropy", np.eye(3, dtype=np.float32)[np.arange(N) % 3], 3, "softmax"),
            ("mse", np.zeros(N, np.float32), 1, "linear")):
        model = make_model(loss=loss, units=units, activation=activation)
        model.fit(features(), labels, epochs=1, batch_size=64, verbose=0)
        assert model.optimizer.iterations == 4, loss
