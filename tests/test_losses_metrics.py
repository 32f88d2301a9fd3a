"""Tests of lamina.losses and lamina.metrics: values against NumPy transcriptions of the formulas, the stable
logits path, gradients (gradcheck, float64), Keras's name resolution and label validation."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import gradcheck, layers, losses, metrics

RNG = np.random.default_rng(1)


def probabilities(shape):
    e = np.exp(RNG.normal(size=shape))
    return e / e.sum(axis=-1, keepdims=True)


# ----- values ------------------------------------------------------------------------------------------------
def test_regression_losses_match_numpy():
    y, p = RNG.normal(size=(6, 3)), RNG.normal(size=(6, 3))
    t = lamina.tensor(p, dtype=np.float64)
    assert losses.get("mse")(y, t).item() == pytest.approx(np.mean((p - y) ** 2))
    assert losses.MeanAbsoluteError()(y, t).item() == pytest.approx(np.mean(np.abs(p - y)))
    w = RNG.uniform(size=6)
    per_sample = np.mean((p - y) ** 2, axis=-1)
    assert losses.get("mean_squared_error")(y, t, sample_weight=w).item() == pytest.approx(np.sum(w * per_sample) / 6)


def test_labels_of_lower_rank_are_not_broadcast():
    y = np.array([0.0, 1.0, 2.0])
    p = lamina.tensor([[0.0], [1.0], [4.0]])
    assert losses.get("mse")(y, p).item() == pytest.approx(4 / 3)  # not the (3, 3) broadcast
    with pytest.raises(ValueError, match=r"y_true of shape \(4,\) does not match y_pred of shape \(3, 1\)"):
        losses.get("mse")(np.zeros(4), p)


def test_cross_entropies_from_probabilities_clip_like_keras():
    y = RNG.integers(0, 2, size=(5, 1)).astype(np.float64)
    p = np.array([[0.2], [0.9], [1.0], [0.0], [0.5]])
    clipped = np.clip(p, 1e-7, 1 - 1e-7)
    expected = -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
    assert losses.get("binary_crossentropy")(y, lamina.tensor(p, dtype=np.float64)).item() == pytest.approx(expected)
    probs = probabilities((4, 3))
    labels = np.array([0, 2, 1, 2])
    one_hot = np.eye(3)[labels]
    expected = -np.mean(np.log(probs[np.arange(4), labels]))
    t = lamina.tensor(probs, dtype=np.float64)
    assert losses.CategoricalCrossentropy()(one_hot, t).item() == pytest.approx(expected)
    assert losses.SparseCategoricalCrossentropy()(labels, t).item() == pytest.approx(expected)
    assert losses.get("sparse_categorical_crossentropy")(labels[:, None], t).item() == pytest.approx(expected)


def test_outputs_of_sigmoid_and_softmax_layers_use_their_logits():
    # Logits so large that the probabilities round to exactly 0 or 1: clipping would give ~16.1 per sample,
    # the logits give the exact loss.
    z = np.array([[40.0], [-40.0]])
    y = np.array([[0.0], [1.0]])
    out = layers.Activation("sigmoid", dtype="float64")(lamina.tensor(z, dtype=np.float64))
    assert losses.get("binary_crossentropy")(y, out).item() == pytest.approx(40.0)
    z = np.array([[50.0, 0.0, -50.0]])
    out = layers.Softmax(dtype="float64")(lamina.tensor(z, dtype=np.float64))
    assert losses.get("sparse_categorical_crossentropy")(np.array([2]), out).item() == pytest.approx(100.0)
    assert losses.CategoricalCrossentropy()(np.array([[0, 1.0, 0]]), out).item() == pytest.approx(50.0)
    # A softmax output is not mistaken for a sigmoid one: binary cross-entropy falls back to probabilities.
    probs = out.data
    expected = -np.mean(np.log(np.clip(1 - probs, 1e-7, 1)))
    assert losses.get("binary_crossentropy")(np.zeros((1, 3)), out).item() == pytest.approx(expected)


def test_from_logits_option():
    z = RNG.normal(size=(4, 3))
    labels = np.array([0, 1, 2, 1])
    s = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    t = lamina.tensor(z, dtype=np.float64)
    expected = -np.mean(np.log(s[np.arange(4), labels]))
    assert losses.SparseCategoricalCrossentropy(from_logits=True)(labels, t).item() == pytest.approx(expected)
    y = RNG.integers(0, 2, size=(4, 3)).astype(float)
    sig = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(sig) + (1 - y) * np.log(1 - sig))
    assert losses.BinaryCrossentropy(from_logits=True)(y, t).item() == pytest.approx(expected)


# ----- gradients ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss, labels, activation", [
    (losses.MeanSquaredError(), RNG.normal(size=(5, 3)), None),
    (losses.MeanAbsoluteError(), RNG.normal(size=(5, 3)), None),
    (losses.BinaryCrossentropy(), RNG.integers(0, 2, size=(5, 3)).astype(float), lamina.sigmoid),
    (losses.BinaryCrossentropy(from_logits=True), RNG.uniform(size=(5, 3)), None),
    (losses.CategoricalCrossentropy(), np.eye(3)[RNG.integers(0, 3, size=5)], lamina.softmax),
    (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), np.eye(3)[RNG.integers(0, 3, size=5)],
     None),
    (losses.SparseCategoricalCrossentropy(), RNG.integers(0, 3, size=5), lamina.softmax),
    (losses.SparseCategoricalCrossentropy(from_logits=True), RNG.integers(0, 3, size=5), None),
])
def test_loss_gradcheck(loss, labels, activation):
    """From probabilities (an activation without recorded logits), from logits, with sample weights."""
    weights = RNG.uniform(0.5, 2, size=5)

    def f(z):
        return loss(labels, activation(z) if activation else z, sample_weight=weights)

    assert gradcheck(f, RNG.normal(size=(5, 3)))


@pytest.mark.parametrize("activation, loss, labels", [
    ("sigmoid", "binary_crossentropy", RNG.integers(0, 2, size=(4, 1)).astype(float)),
    ("softmax", "categorical_crossentropy", np.eye(3)[RNG.integers(0, 3, size=4)]),
    ("softmax", "sparse_categorical_crossentropy", RNG.integers(0, 3, size=4)),
])
def test_model_loss_gradcheck_through_logits(activation, loss, labels):
    """A model ending in sigmoid/softmax: the loss goes through the logits; every weight's gradient checks."""
    units = 1 if activation == "sigmoid" else 3
    model = lamina.Sequential([layers.Dense(5, activation="tanh", dtype="float64", input_shape=(2,)),
                               layers.Dense(units, activation=activation, dtype="float64")])
    loss_fn = losses.get(loss)
    names = [(layer, n) for layer in model.layers for n, v in vars(layer).items()
             if any(v is w for w in layer.weights)]

    def f(x, *ws):
        for (layer, name), w in zip(names, ws):
            setattr(layer, name, w)
        return loss_fn(labels, model(x))

    assert gradcheck(f, RNG.normal(size=(4, 2)), *[getattr(layer, n).data for layer, n in names])


# ----- validation --------------------------------------------------------------------------------------------
def test_label_validation():
    t = lamina.tensor(probabilities((3, 4)))
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\]; received values from 0 to 4"):
        losses.get("sparse_categorical_crossentropy")(np.array([0, 4, 1]), t)
    with pytest.raises(ValueError, match="integer class indices"):
        losses.get("sparse_categorical_crossentropy")(np.array([0.5, 1, 1]), t)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.get("categorical_crossentropy")(np.array([0, 1, 1]), t)
    # Keras's binary cross-entropy takes soft targets outside [0, 1] (GAN guides add noise to them); fit refuses
    # them up front instead (tests/test_reliability_labels.py).
    assert np.isfinite(losses.get("binary_crossentropy")(np.array([[0.0], [1.05]]),
                                                          lamina.tensor([[0.5], [0.5]])).item())
    with pytest.raises(ValueError, match="Known losses: .*binary_crossentropy"):
        losses.get("binary_cross_entropy")
    with pytest.raises(ValueError, match="Known metrics: .*accuracy"):
        metrics.get("acuracy")


def test_loss_get_resolves_every_form():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get(losses.BinaryCrossentropy), losses.BinaryCrossentropy)
    assert isinstance(losses.get(losses.categorical_crossentropy), losses.CategoricalCrossentropy)
    custom = losses.get(lambda y, p: lamina.mean((p - y) * (p - y), axis=-1))
    assert custom(np.ones((2, 1)), lamina.tensor([[0.0], [2.0]])).item() == pytest.approx(1.0)
    config = losses.BinaryCrossentropy(from_logits=True).get_config()
    assert losses.get({"class_name": "BinaryCrossentropy", "config": config}).from_logits


# ----- metrics -----------------------------------------------------------------------------------------------
def test_accuracy_resolves_like_keras():
    binary = metrics.get("accuracy")
    binary.update_state(np.array([[1], [0], [1], [0]]), np.array([[0.9], [0.6], [0.4], [0.1]]))
    assert binary.name == "accuracy" and binary.result() == 0.5
    assert isinstance(binary._metric, metrics.BinaryAccuracy)
    sparse = metrics.get("acc")
    sparse.update_state(np.array([2, 0, 1]), probabilities((3, 3)) + np.eye(3)[[2, 0, 0]])
    assert isinstance(sparse._metric, metrics.SparseCategoricalAccuracy) and sparse.result() == pytest.approx(2 / 3)
    categorical = metrics.get("accuracy")
    categorical.update_state(np.eye(3)[[2, 0]], np.eye(3)[[2, 1]])
    assert isinstance(categorical._metric, metrics.CategoricalAccuracy) and categorical.result() == 0.5
    categorical.reset_state()
    assert categorical.result() == 0.0


def test_metrics_accumulate_weighted_means_over_batches():
    mae = metrics.get("mae")
    assert mae.name == "mae"
    mae.update_state(np.zeros((2, 1)), np.array([[1.0], [3.0]]))
    mae.update_state(np.zeros((1, 1)), np.array([[5.0]]))
    assert mae.result() == pytest.approx(3.0)  # per sample, not per batch
    mse = metrics.MeanSquaredError()
    mse.update_state(np.zeros((2, 2)), np.array([[1.0, 1.0], [2.0, 0.0]]), sample_weight=np.array([1.0, 3.0]))
    assert mse.result() == pytest.approx((1 * 1 + 3 * 2) / 4)
    mean = metrics.Mean()
    mean.update_state([1, 2, 3])
    assert mean.result() == 2.0
    exact = metrics.Accuracy()
    exact.update_state(np.array([1, 2, 3]), np.array([1, 2, 4]))
    assert exact.result() == pytest.approx(2 / 3)
    binary = metrics.BinaryAccuracy(threshold=0.7)
    binary.update_state(np.array([1, 0]), np.array([[0.6], [0.2]]))
    assert binary.result() == 0.5


def test_precision_recall():
    y = np.array([[1], [1], [0], [0], [1]])
    p = np.array([[0.9], [0.2], [0.8], [0.1], [0.7]])
    precision, recall = metrics.get("precision"), metrics.Recall()
    precision.update_state(y, p)
    recall.update_state(y, p)
    assert precision.result() == pytest.approx(2 / 3) and recall.result() == pytest.approx(2 / 3)
    empty = metrics.Precision()
    empty.update_state(np.array([[1]]), np.array([[0.1]]))
    assert empty.result() == 0.0
