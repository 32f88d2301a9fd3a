"""Every Keras metric against real Keras: results after an unweighted batch and after a second, sample-weighted
one, after reset_state, configs and state variables; the Metric base class (add_variable, add_weight, variables,
reset_state, __call__) as Keras's custom-metric guide uses it.

The expected values come from tests/data/losses_metrics/fixtures.json, written by Keras 3.15.1 with
tests/data/losses_metrics/make_fixtures.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import lamina
from lamina import metrics
from lamina.variables import Variable
from losses_metrics_fixtures import FIXTURES, INPUTS, case_id

# Both accumulate in float32; TensorFlow sums in another order. 1e-5 relative is float32 round-off over these
# few values; a wrong formula or weighting is off by far more.
RTOL, ATOL = 1e-5, 1e-6



def run(metric, entry: dict, rows: slice, weighted: bool) -> None:
    y_pred = INPUTS[entry["y_pred"]][rows]
    weight = INPUTS[entry["sample_weight"]][rows] if weighted else None
    if entry["y_true"] is None:
        metric.update_state(y_pred, sample_weight=weight)
    else:
        metric.update_state(INPUTS[entry["y_true"]][rows], y_pred, sample_weight=weight)


# R2Score(num_regressors=2) on 5 samples warns (too few samples for the adjusted score), as Keras does.
@pytest.mark.filterwarnings("ignore:R2Score")
@pytest.mark.parametrize("entry", FIXTURES["metrics"], ids=case_id)
def test_metric_results_equal_keras(entry):
    metric = getattr(metrics, entry["class_name"])(**entry["kwargs"])
    split = entry["split"]
    run(metric, entry, slice(None, split), weighted=False)
    np.testing.assert_allclose(metric.result(), entry["first"], rtol=RTOL, atol=ATOL, err_msg="first batch")
    run(metric, entry, slice(split, None), weighted=True)
    np.testing.assert_allclose(metric.result(), entry["both"], rtol=RTOL, atol=ATOL, err_msg="weighted batch")
    metric.reset_state()
    np.testing.assert_allclose(metric.result(), entry["after_reset"], rtol=RTOL, atol=ATOL, err_msg="reset")


@pytest.mark.parametrize("entry", FIXTURES["metrics"], ids=case_id)
def test_metric_configs_and_variables_match_keras(entry):
    metric = getattr(metrics, entry["class_name"])(**entry["kwargs"])
    config = metric.get_config()
    assert set(config) >= set(entry["config"]) - {"thresholds"} or entry["class_name"] != "AUC"
    for key, value in entry["config"].items():
        if key == "name":  # Keras numbers the automatic names of later instances: precision_1, precision_2, ...
            value = re.sub(r"_\d+$", "", value)
        if key in config and key != "label_weights":
            assert config[key] == value, key
    rebuilt = metrics.from_config({"class_name": entry["class_name"], "config": entry["config"]})
    assert type(rebuilt) is type(metric) and rebuilt.get_config()["name"] == entry["config"]["name"]
    run(metric, entry, slice(None), weighted=False)
    assert [(v.path.split("/")[-1], list(v.shape)) for v in metric.variables] == \
        [(name, shape) for name, shape in entry["variables"]]
    assert all(isinstance(v, Variable) and not v.trainable for v in metric.variables)


def test_auc_default_is_200_thresholds_and_matches_the_exact_roc_area_closely():
    auc = metrics.AUC()
    assert auc.num_thresholds == 200 and auc.thresholds[0] < 0 < auc.thresholds[1] and auc.thresholds[-1] > 1
    y, p = INPUTS["auc_true"], INPUTS["auc_pred"]
    auc.update_state(y, p)
    positives, negatives = p[y == 1], p[y == 0]
    exact = np.mean(positives[:, None] > negatives[None, :]) + 0.5 * np.mean(positives[:, None] == negatives)
    assert auc.result() == pytest.approx(exact, abs=0.01)  # 200 buckets: within a bucket's width of exact


def test_precision_and_recall_with_several_thresholds_return_one_value_each():
    precision = metrics.Precision(thresholds=[0.5, 0.1])
    precision.update_state([1, 0, 1, 0], [0.9, 0.6, 0.3, 0.05])
    np.testing.assert_allclose(precision.result(), [1 / 2, 2 / 3])  # in the order given
    with pytest.raises(ValueError, match=r"threshold values must be in \[0, 1\]"):
        metrics.Recall(thresholds=[0.5, 1.5])


class CategoricalTruePositives(metrics.Metric):
    """Keras's guide "Training & evaluation with the built-in methods": a metric written by subclassing."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.argmax(np.asarray(y_pred), axis=1).reshape(-1, 1)
        values = (np.asarray(y_true).reshape(-1, 1).astype("int32") == y_pred.astype("int32")).astype("float32")
        if sample_weight is not None:
            values = values * np.asarray(sample_weight, dtype="float32").reshape(-1, 1)
        self.true_positives.assign_add(np.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


class RunningMax(metrics.Metric):
    """State with a non-zero initial value, a sub-metric, and add_weight (Keras's older name)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.best = self.add_weight(shape=(2,), initializer="ones", name="best")
        self.mean = metrics.Mean(name="inner_mean")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.best.assign(np.maximum(self.best.numpy(), np.max(np.asarray(y_pred), axis=0)))
        self.mean.update_state(y_pred)

    def result(self):
        return float(self.best.numpy().max() + self.mean.result())


def test_metric_subclasses_hold_variables_and_reset_like_keras():
    metric = CategoricalTruePositives()
    assert metric.name == "categorical_true_positives" and metric.dtype == "float32"
    value = metric(np.array([0, 2, 1]), np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1]]))
    assert float(value.numpy()) == 2.0 and metric.variables == [metric.true_positives]
    running = RunningMax()
    assert running.name == "running_max"
    running.update_state(None, np.array([[3.0, 0.5], [1.0, 2.0]]))
    assert running.result() == pytest.approx(3.0 + 1.625)
    assert [v.path for v in running.variables] == ["running_max/best", "inner_mean/total", "inner_mean/count"]
    running.reset_state()  # Keras's default: every variable, sub-metrics' included, to zero
    assert all(not np.any(v.numpy()) for v in running.variables)


def test_forgetting_super_init_is_a_clear_error():
    class Broken(metrics.Metric):
        def __init__(self):
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    with pytest.raises(RuntimeError, match=r"call super\(\).__init__\(\)"):
        Broken()


def test_every_keras_compile_name_resolves():
    names = ["accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
             "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mse", "mae", "mape", "msle",
             "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
             "mean_squared_logarithmic_error", "root_mean_squared_error", "cosine_similarity", "log_cosh_error",
             "logcosh", "hinge", "squared_hinge", "categorical_hinge", "kl_divergence", "kld", "poisson",
             "binary_crossentropy", "bce", "categorical_crossentropy", "sparse_categorical_crossentropy",
             "true_positives", "false_positives", "true_negatives", "false_negatives", "precision", "recall", "auc",
             "f1_score", "fbeta_score", "r2_score", "AUC", "MAPE", "Precision"]
    for name in names:
        metric = metrics.get(name)
        assert isinstance(metric, metrics.Metric) and metric.name == name, name
    with pytest.raises(ValueError, match="Known metrics: .*mape"):
        metrics.get("mapee")
    function_metric = metrics.get(lamina.losses.huber)
    assert isinstance(function_metric, metrics.MeanMetricWrapper) and function_metric.name == "huber"
    function_metric.update_state(np.zeros((2, 1)), np.array([[0.5], [3.0]]))
    assert function_metric.result() == pytest.approx((0.125 + 2.5) / 2)
