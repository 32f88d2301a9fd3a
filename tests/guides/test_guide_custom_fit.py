"""The keras.io guide "Customizing what happens in fit() with TensorFlow", run on Lamina with only its imports
changed (programs/custom_fit*.py): train_step with tf.GradientTape and compute_loss, a lower-level step with its
own metrics, sample weights, a custom test_step, and the GAN (which needs convolutions).

Source: https://keras.io/guides/custom_train_step_in_tensorflow/
"""

from __future__ import annotations

import re

import numpy as np
import pytest




@pytest.fixture(scope="module")
def guide(run_guide):
    return run_guide("custom_fit")


def epoch_logs(text: str) -> list[dict[str, float]]:
    """The metrics of each progress line (one per epoch, or one for evaluate)."""
    logs = []
    for line in text.splitlines():
        if "/step" in line:
            logs.append({key: float(value) for key, value in re.findall(r"(\w+): ([0-9]+\.[0-9]+)", line)})
    return logs


def test_custom_train_step_with_compiled_loss_and_metrics(guide):
    section = guide["A first simple example"]
    logs = epoch_logs(section.output)
    assert [set(epoch) for epoch in logs] == [{"loss", "mae"}] * 3
    assert logs[-1]["loss"] < logs[0]["loss"] and logs[-1]["mae"] < logs[0]["mae"]
    model = section.namespace["model"]
    assert type(model).__name__ == "CustomModel"
    assert model.history.history["loss"] == pytest.approx([e["loss"] for e in logs], abs=5e-5)


def test_lower_level_step_with_its_own_metrics_reset_each_epoch(guide):
    section = guide["Going lower-level"]
    logs = epoch_logs(section.output)
    assert len(logs) == 5 and logs[-1]["loss"] < logs[0]["loss"]
    model = section.namespace["model"]
    assert model.metrics == [model.loss_tracker, model.mae_metric]
    # fit reset the listed metrics at each epoch: the tracker holds the last epoch's 32 batches, not all 160.
    count = {v.name: float(v.numpy()) for v in model.loss_tracker.variables}["count"]
    assert count == 32


def test_sample_weights_reach_the_custom_step(guide):
    section = guide["Supporting sample_weight & class_weight"]
    logs = epoch_logs(section.output)
    assert len(logs) == 3 and logs[-1]["loss"] < logs[0]["loss"]
    ns = section.namespace
    # The weighted loss of the trained model, as compute_loss computes it (Keras: sum(w * l) / batch size),
    # is below its unweighted loss scaled by the mean weight plus a margin: the weights were used, not dropped.
    y_pred = ns["model"].predict(ns["x"], verbose=0)
    per_sample = np.mean((y_pred - ns["y"]) ** 2, axis=1)
    weighted = float(ns["model"].compute_loss(y=ns["y"], y_pred=y_pred, sample_weight=ns["sw"][:, 0]))
    np.testing.assert_allclose(weighted, np.mean(per_sample * ns["sw"][:, 0]), rtol=1e-4)


def test_custom_test_step_reports_loss_and_metrics(guide):
    section = guide["Providing your own evaluation step"]
    (logs,) = epoch_logs(section.output)
    ns = section.namespace
    y_pred = ns["model"].predict(ns["x"], verbose=0)
    # The loss tracker is a Mean of the batch losses (batches of 32, the last of 8, each counted once); the MAE
    # metric averages over the samples.
    squared = (y_pred - ns["y"]) ** 2
    batch_losses = [np.mean(squared[i:i + 32]) for i in range(0, len(squared), 32)]
    assert logs["loss"] == pytest.approx(np.mean(batch_losses), abs=1e-4)
    assert logs["mae"] == pytest.approx(np.mean(np.abs(y_pred - ns["y"])), abs=1e-4)




def test_gan_trains_with_its_own_compile_and_train_step(run_guide):
    guide = run_guide("custom_fit_gan")
    section = guide["Let's test-drive it"]
    (logs,) = epoch_logs(section.output)[-1:]
    assert set(logs) == {"d_loss", "g_loss"}
    history = section.namespace["gan"].history.history
    assert set(history) == {"d_loss", "g_loss"} and all(np.isfinite(v[0]) for v in history.values())
