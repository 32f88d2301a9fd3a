"""GradientTape: hand-written training loops give the same weights as fit, step for step."""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import keras
from lamina.keras import layers

RNG = np.random.default_rng(0)
X = RNG.random((32, 4), dtype=np.float32)
LABELS = RNG.integers(0, 3, 32)


def mlp() -> keras.Model:
    return keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_a_tape_loop_equals_fit_step_for_step(optimizer):
    lamina.utils.set_random_seed(1)
    by_fit, by_tape = mlp(), mlp()
    by_tape.set_weights(by_fit.get_weights())
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    by_fit.compile(optimizer=keras.optimizers.get(optimizer), loss=loss_fn)
    history = by_fit.fit(X, LABELS, batch_size=8, epochs=2, shuffle=False, verbose=0)
    tape_optimizer = keras.optimizers.get(optimizer)
    losses = []
    for _ in range(2):
        epoch = []
        for start in range(0, 32, 8):
            with lamina.GradientTape() as tape:
                logits = by_tape(X[start:start + 8], training=True)
                loss = loss_fn(LABELS[start:start + 8], logits)
            grads = tape.gradient(loss, by_tape.trainable_weights)
            tape_optimizer.apply_gradients(zip(grads, by_tape.trainable_weights))
            epoch.append(loss.item())
        losses.append(float(np.mean(epoch)))
    for a, b in zip(by_fit.get_weights(), by_tape.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-6)


def test_gradients_leave_grad_alone_and_match_backward():
    w = lamina.Variable(RNG.normal(size=(4, 3)))
    b = lamina.Variable(np.zeros(3))
    with lamina.GradientTape() as tape:
        loss = lamina.sum(lamina.tanh(lamina.matmul(lamina.tensor(X), w) + b) ** 2)
    dw, db = tape.gradient(loss, [w, b])
    assert w.grad is None and b.grad is None
    loss.backward()
    np.testing.assert_allclose(dw.numpy(), w.grad, rtol=1e-6)
    np.testing.assert_allclose(db.numpy(), b.grad, rtol=1e-6)


def test_watch_persistent_structures_and_unconnected():
    x = lamina.tensor([1.0, 2.0, 3.0])
    unused = lamina.Variable([5.0])
    with lamina.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = lamina.sum(y * 3.0)
    grads = tape.gradient(z, {"x": x, "y": y, "unused": unused})
    np.testing.assert_allclose(grads["x"].numpy(), 6 * x.numpy())
    np.testing.assert_allclose(grads["y"].numpy(), [3.0, 3.0, 3.0])
    assert grads["unused"] is None
    zero = tape.gradient(z, [unused], unconnected_gradients="zero")[0]
    np.testing.assert_array_equal(zero.numpy(), [0.0])
    seeded = tape.gradient(y, x, output_gradients=np.array([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(seeded.numpy(), [2.0, 0.0, 12.0])


def test_a_tape_answers_once_unless_persistent_and_records_inside_no_grad():
    v = lamina.Variable([2.0])
    with lamina.no_grad():
        with lamina.GradientTape() as tape:
            loss = lamina.sum(v * v)
    assert tape.gradient(loss, v).numpy().tolist() == [4.0]
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(loss, v)
    with pytest.raises(TypeError, match="needs lamina tensors"):
        lamina.GradientTape().watch(np.ones(2))
