"""Every Keras loss against real Keras: values under each reduction with and without sample weights, per-sample
function values, gradients with respect to y_pred (Keras's, from tf.GradientTape) and gradcheck; names, aliases,
configs, ``Loss`` subclasses and plain functions in ``compile``.

The expected values come from tests/data/losses_metrics/fixtures.json, written by Keras 3.15.1 with
tests/data/losses_metrics/make_fixtures.py.
"""

from __future__ import annotations


import numpy as np
import pytest

import lamina
from lamina import gradcheck, layers, losses
from losses_metrics_fixtures import FIXTURES, INPUTS, case_id

# Keras computes in float32 (TensorFlow kernels, its own summation order); Lamina in float32 with NumPy's.
# Agreement to ~1e-6 relative is float32 round-off; anything wrong in a formula is off by far more.
RTOL, ATOL = 2e-5, 2e-6



@pytest.mark.parametrize("entry", FIXTURES["losses"], ids=case_id)
def test_loss_values_equal_keras(entry):
    cls = getattr(losses, entry["class_name"])
    y_true, y_pred = INPUTS[entry["y_true"]], INPUTS[entry["y_pred"]]
    for key, expected in entry["values"].items():
        reduction, _, weighted = key.partition("/")
        loss = cls(reduction=reduction, **entry["kwargs"])
        weight = INPUTS["sample_weight"] if weighted else None
        if isinstance(expected, dict):  # Keras refused these shapes: so must Lamina
            with pytest.raises(ValueError, match="sample_weight"):
                loss(y_true, lamina.tensor(y_pred), sample_weight=weight)
            continue
        value = loss(y_true, lamina.tensor(y_pred), sample_weight=weight)
        np.testing.assert_allclose(value.numpy(), np.asarray(expected, dtype=np.float32), rtol=RTOL, atol=ATOL,
                                   err_msg=key)


@pytest.mark.parametrize("entry", [e for e in FIXTURES["losses"] if "per_sample" in e], ids=case_id)
def test_loss_functions_equal_keras_per_sample(entry):
    function = getattr(losses, entry["function"])
    kwargs = {k: v for k, v in entry["kwargs"].items() if k in ("delta", "axis", "from_logits", "label_smoothing")}
    values = function(INPUTS[entry["y_true"]], INPUTS[entry["y_pred"]], **kwargs)
    np.testing.assert_allclose(np.asarray(values), entry["per_sample"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("entry", FIXTURES["losses"], ids=case_id)
def test_loss_gradients_equal_keras(entry):
    loss = getattr(losses, entry["class_name"])(**entry["kwargs"])
    y_pred = lamina.tensor(INPUTS[entry["y_pred"]], requires_grad=True)
    loss(INPUTS[entry["y_true"]], y_pred).backward()
    np.testing.assert_allclose(y_pred.grad, entry["gradient"], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("entry", FIXTURES["losses"], ids=case_id)
def test_loss_gradcheck_float64(entry):
    """The analytic gradient (float64) equals finite differences, with sample weights, under two reductions.

    Hinge, Huber and the clipped losses are piecewise; the fixture's random values lie away from their kinks,
    where finite differences are exact."""
    cls = getattr(losses, entry["class_name"])
    y_true = INPUTS[entry["y_true"]].astype(np.float64)
    weight = INPUTS["sample_weight"].astype(np.float64)
    weighted = not isinstance(entry["values"]["sum/weighted"], dict)
    for reduction in ("sum_over_batch_size", "sum"):
        loss = cls(reduction=reduction, **entry["kwargs"])

        def f(y_pred, loss=loss):
            return loss(y_true, y_pred, sample_weight=weight if weighted else None)

        assert gradcheck(f, INPUTS[entry["y_pred"]].astype(np.float64))


def test_reductions_follow_keras_semantics():
    y_true = np.array([[0.0], [1.0], [2.0], [3.0]])
    y_pred = lamina.tensor([[1.0], [1.0], [0.0], [3.0]], dtype=np.float64)
    weight = np.array([1.0, 2.0, 0.5, 0.0])
    per_sample = np.array([1.0, 0.0, 4.0, 0.0])
    mse = losses.MeanSquaredError
    assert mse(reduction="none")(y_true, y_pred).numpy().tolist() == per_sample.tolist()
    assert mse(reduction="sum")(y_true, y_pred, sample_weight=weight).item() == pytest.approx(3.0)
    assert mse()(y_true, y_pred, sample_weight=weight).item() == pytest.approx(3.0 / 4)
    assert mse(reduction="mean_with_sample_weight")(y_true, y_pred, sample_weight=weight).item() == \
        pytest.approx(3.0 / 3.5)
    assert mse(reduction=None)(y_true, y_pred, sample_weight=weight).numpy().tolist() == [1.0, 0.0, 2.0, 0.0]
    with pytest.raises(ValueError, match="reduction must be one of"):
        losses.Huber(reduction="average")
    with pytest.raises(ValueError, match="delta must be > 0"):
        losses.Huber(delta=0)


def test_ignore_class_leaves_samples_out_of_the_mean():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    labels = np.array([0, 9, 2])
    loss = losses.SparseCategoricalCrossentropy(ignore_class=9)(labels, lamina.tensor(probs, dtype=np.float64))
    assert loss.item() == pytest.approx(-(np.log(0.7) + np.log(0.4)) / 2)


def test_names_and_aliases_resolve_to_kerass_losses():
    expected = {
        "huber": losses.Huber, "huber_loss": losses.Huber, "kl_divergence": losses.KLDivergence,
        "kld": losses.KLDivergence, "KLD": losses.KLDivergence, "kullback_leibler_divergence": losses.KLDivergence,
        "log_cosh": losses.LogCosh, "logcosh": losses.LogCosh, "poisson": losses.Poisson, "hinge": losses.Hinge,
        "squared_hinge": losses.SquaredHinge, "categorical_hinge": losses.CategoricalHinge,
        "cosine_similarity": losses.CosineSimilarity, "mape": losses.MeanAbsolutePercentageError,
        "MAPE": losses.MeanAbsolutePercentageError,
        "mean_absolute_percentage_error": losses.MeanAbsolutePercentageError,
        "msle": losses.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error": losses.MeanSquaredLogarithmicError,
        "bce": losses.BinaryCrossentropy, "binary_focal_crossentropy": losses.BinaryFocalCrossentropy,
        "categorical_focal_crossentropy": losses.CategoricalFocalCrossentropy, "dice": losses.Dice,
        "tversky": losses.Tversky, "Huber": losses.Huber, "LogCosh": losses.LogCosh,
    }
    for name, cls in expected.items():
        assert type(losses.get(name)) is cls, name
    assert type(losses.get(losses.huber)) is losses.Huber
    assert losses.kld is losses.kl_divergence and losses.logcosh is losses.log_cosh
    with pytest.raises(ValueError, match="Known losses: .*huber"):
        losses.get("hubber")


@pytest.mark.parametrize("entry", FIXTURES["losses"], ids=case_id)
def test_configs_have_kerass_keys_and_round_trip(entry):
    loss = getattr(losses, entry["class_name"])(**entry["kwargs"])
    config = loss.get_config()
    # Keras 3.15 leaves Huber's delta and CosineSimilarity's axis out of its configs (so a file loses them);
    # Lamina writes them, and Keras's from_config accepts them.
    assert set(entry["config"]) <= set(config)
    rebuilt = losses.get({"class_name": entry["class_name"], "config": config})
    assert rebuilt.get_config() == config
    keras_rebuilt = type(loss).from_config(entry["config"])
    assert keras_rebuilt.name == entry["config"]["name"]


def test_shape_resolved_crossentropy():
    probs = lamina.tensor(np.array([[0.2, 0.8], [0.6, 0.4]]), dtype=np.float64)
    expected = -(np.log(0.8) + np.log(0.6)) / 2
    assert losses.get("crossentropy")(np.array([1, 0]), probs).item() == pytest.approx(expected)
    assert losses.get("ce")(np.array([[0, 1.0], [1, 0]]), probs).item() == pytest.approx(expected)
    binary = losses.get("crossentropy")
    binary(np.array([[1.0]]), lamina.tensor([[0.9]]))
    assert type(binary.loss) is losses.BinaryCrossentropy


class MeanFourthPower(losses.Loss):
    def call(self, y_true, y_pred):
        error = y_pred - y_true
        return lamina.mean(error * error * error * error, axis=-1)


def fourth_power(y_true, y_pred):
    error = y_pred - y_true
    return lamina.mean(error * error * error * error, axis=-1)


@pytest.mark.parametrize("loss", [MeanFourthPower(), fourth_power, losses.LossFunctionWrapper(fourth_power)])
def test_subclasses_and_functions_train_in_compile(loss):
    lamina.utils.set_random_seed(3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32) * 0.3
    model = lamina.Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(0.05), loss=loss)
    first = model.evaluate(x, y, verbose=0)
    expected = np.mean((model.predict(x, verbose=0) - y) ** 4)
    assert first == pytest.approx(expected, rel=1e-5)
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert isinstance(MeanFourthPower().name, str) and MeanFourthPower().name == "mean_fourth_power"
