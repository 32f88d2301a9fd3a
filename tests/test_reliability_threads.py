"""Issue 12, item 1: gradient recording is per thread, and fit refuses to "train" without a graph.

``no_grad()`` used to save and restore one process-wide flag, so two threads predicting at once could leave
recording switched off for every thread; a later ``fit`` then printed losses and took no step. These tests run
predictions in two threads while a third trains (the same model, and two models trained side by side), with
the interpreter switching threads every few microseconds so that the interleavings that broke the old flag
happen many times, and compare the trained weights with a run in one thread, bit for bit.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.models import Sequential

ROUNDS = 20


def make_model(seed: int = 0) -> Sequential:
    lamina.utils.set_random_seed(seed)
    model = Sequential([layers.Input(shape=(8,)), layers.Dense(16, activation="relu"),
                        layers.BatchNormalization(), layers.Dropout(0.2), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(96, 8)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5)


def train(model: Sequential, x: np.ndarray, y: np.ndarray) -> None:
    for _ in range(ROUNDS):
        model.fit(x, y, epochs=1, batch_size=16, verbose=0)


@pytest.fixture
def frequent_thread_switches():
    """Make the interpreter hand the GIL over every 10 us (default 5 ms), so threads interleave inside calls."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def run_threads(targets: list) -> None:
    errors: list[BaseException] = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as error:  # reported in the main thread below
                errors.append(error)
        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    if errors:
        raise errors[0]


def test_predicting_threads_do_not_switch_off_training(frequent_thread_switches) -> None:
    x, y = make_data()
    reference = make_model()
    train(reference, x, y)

    model = make_model()
    done = threading.Event()
    predictions = [0, 0]

    def predictor(slot: int):
        def run():
            while not done.is_set():
                out = model.predict(x[:8], verbose=0)
                assert out.shape == (8, 3)
                predictions[slot] += 1
        return run

    def trainer():
        try:
            train(model, x, y)
        finally:
            done.set()

    run_threads([predictor(0), predictor(1), trainer])
    assert min(predictions) > 0, "the predicting threads never ran during training"
    assert lamina.is_grad_enabled()
    for trained, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(trained, expected)
    assert model.optimizer.iterations == reference.optimizer.iterations == ROUNDS * 6


def test_two_models_train_side_by_side_as_alone(frequent_thread_switches) -> None:
    x, y = make_data(1)
    alone = [make_model(seed) for seed in (3, 4)]
    for model in alone:
        train(model, x, y)
    together = [make_model(seed) for seed in (3, 4)]
    run_threads([lambda m=m: train(m, x, y) for m in together])
    for a, b in zip(alone, together):
        for wa, wb in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(wa, wb)


def test_grad_mode_is_per_thread() -> None:
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def holder():
        with lamina.no_grad():
            seen["holder"] = lamina.is_grad_enabled()
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert inside.wait(10)
        seen["main"] = lamina.is_grad_enabled()
        w = lamina.tensor([1.0, 2.0], requires_grad=True)
        assert (w * 3).requires_grad
    finally:
        release.set()
        thread.join()
    assert seen == {"holder": False, "main": True}


def test_fit_inside_no_grad_fails_loudly_and_changes_nothing() -> None:
    x, y = make_data()
    model = make_model()
    before = model.get_weights()
    with lamina.no_grad():
        with pytest.raises(RuntimeError, match="no_grad"):
            model.fit(x, y, epochs=1, verbose=0)
        with pytest.raises(RuntimeError, match="no_grad"):
            model.train_on_batch(x[:16], y[:16])
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)
    assert model.optimizer.iterations == 0


def test_fit_with_a_loss_cut_from_the_graph_fails_loudly() -> None:
    x, y = make_data()
    model = make_model()

    def detached_loss(y_true, y_pred):  # a custom loss that leaves the graph (computes on plain arrays)
        return lamina.tensor(np.mean((y_pred.numpy() - y_true[:, None]) ** 2, axis=-1))

    model.compile(optimizer="sgd", loss=detached_loss)
    with pytest.raises(RuntimeError, match="does not depend on the trainable weights"):
        model.fit(x, y, epochs=1, verbose=0)


def test_frozen_model_still_fits_without_a_step() -> None:
    """No trainable weights: there is nothing to update, which is not an error (Keras does the same)."""
    x, y = make_data()
    model = make_model()
    model.trainable = False
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)
