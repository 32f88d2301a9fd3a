"""The keras.io guide "Writing your own callbacks", run on Lamina with only its imports changed (programs/
callbacks.py), and what each of its sections shows: every hook called in Keras's order with Keras's log keys,
the logs' running averages, early stopping at the minimum loss, a learning-rate schedule.

Source: https://keras.io/guides/writing_your_own_callbacks/
"""

from __future__ import annotations

import re

import pytest

from conftest import check_numbers_against_keras

METRIC_KEYS = "['loss', 'mean_absolute_error']"


@pytest.fixture(scope="module")
def guide(run_guide):
    return run_guide("callbacks")


def batch_lines(kind: str, steps: int, end_keys: str) -> list[str]:
    lines = []
    for batch in range(steps):
        lines.append(f"...{kind}: start of batch {batch}; got log keys: []")
        lines.append(f"...{kind}: end of batch {batch}; got log keys: {end_keys}")
    return lines


def test_every_hook_of_fit_in_order_with_keras_log_keys(guide):
    # 1000 samples, validation_split=0.5, batch_size=128: 4 training and 4 validation batches (as real Keras prints).
    expected = ["Starting training; got log keys: []", "Start epoch 0 of training; got log keys: []",
                *batch_lines("Training", 4, METRIC_KEYS), "Start testing; got log keys: []",
                *batch_lines("Evaluating", 4, METRIC_KEYS), f"Stop testing; got log keys: {METRIC_KEYS}",
                "End epoch 0 of training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', "
                "'val_mean_absolute_error']",
                "Stop training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']"]
    assert guide["Let's try it out: fit"].output.splitlines() == expected


def test_every_hook_of_evaluate(guide):
    expected = ["Start testing; got log keys: []", *batch_lines("Evaluating", 8, METRIC_KEYS),
                f"Stop testing; got log keys: {METRIC_KEYS}"]
    assert guide["Let's try it out: evaluate"].output.splitlines() == expected


def test_every_hook_of_predict(guide):
    section = guide["Let's try it out: predict"]
    lines = section.output.splitlines()
    expected = ["Start predicting; got log keys: []", *batch_lines("Predicting", 8, "['outputs']"),
                "Stop predicting; got log keys: []"]
    assert lines[:-1] == expected
    assert lines[-1].startswith("8/8 ")  # predict's own progress bar (verbose by default, as in Keras)
    assert section.namespace["res"].shape == (1000, 1)


NUMBER = r" *([0-9]+\.[0-9]+)"


def parse_epochs(text: str) -> list[tuple[float, float]]:
    pattern = rf"The average loss for epoch \d+ is{NUMBER} and mean absolute error is{NUMBER}\."
    return [(float(loss), float(mae)) for loss, mae in re.findall(pattern, text)]


def test_logs_hold_the_running_average_loss(guide):
    text = guide["Usage of logs dict"].output
    epochs = parse_epochs(text)
    assert len(epochs) == 2 and epochs[1][0] < epochs[0][0]
    # The epoch's loss is the average up to its last batch (8 batches of 128 per epoch).
    batch_losses = [float(v) for v in re.findall(rf"Up to batch 7, the average loss is{NUMBER}\.", text)]
    assert batch_losses[:2] == [loss for loss, _ in epochs]
    assert len(re.findall(r"Up to batch \d+,", text)) == 2 * 8 + 8  # two epochs, then evaluate's 8 batches


def test_early_stopping_at_minimum_loss(guide):
    section = guide["Early stopping at minimum loss"]
    losses = [loss for loss, _ in parse_epochs(section.output)]
    stopped = re.search(r"Epoch (\d+): early stopping", section.output)
    assert stopped and "Restoring model weights from the end of the best epoch." in section.output
    assert len(losses) == int(stopped[1]) < 30
    assert losses[-1] >= min(losses[:-1])  # patience 0: the first epoch that did not improve ends training
    assert losses[:-1] == sorted(losses[:-1], reverse=True)
    assert section.namespace["model"].stop_training


def test_custom_learning_rate_schedule(guide):
    section = guide["Learning rate scheduling"]
    rates = [float(v) for v in re.findall(r"Epoch \d+: Learning rate is ([0-9.e-]+)\.\n", section.output)]
    expected = [0.1] * 3 + [0.05] * 3 + [0.01] * 3 + [0.005] * 3 + [0.001] * 3
    assert rates == pytest.approx(expected, rel=1e-6)
    assert float(section.namespace["model"].optimizer.learning_rate) == pytest.approx(0.001)
    assert len(parse_epochs(section.output)) == 15


def test_numbers_match_real_keras(guide):
    check_numbers_against_keras(guide)
