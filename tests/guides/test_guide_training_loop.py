"""The keras.io / TensorFlow guide "Writing a training loop from scratch", run on Lamina with only its imports
changed (programs/training_loop*.py): tf.GradientTape, optimizer.apply, keras.metrics in a hand-written loop over
a tf.data pipeline, tf.function (an identity decorator here), and model.losses from add_loss.

Source: https://keras.io/guides/writing_a_custom_training_loop_in_tensorflow/
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import check_numbers_against_keras


@pytest.fixture(scope="module")
def guide(run_guide):
    return run_guide("training_loop")


def numbers(pattern: str, text: str) -> list[float]:
    return [float(v) for v in re.findall(pattern, text)]


def test_the_data_pipeline(guide):
    ns = guide["A first end-to-end example"].namespace
    batches = list(ns["train_dataset"])
    assert len(batches) == len(ns["train_dataset"]) == -(-3000 // 32)
    x_batch, y_batch = batches[0]
    assert tuple(x_batch.shape) == (32, 784) and tuple(y_batch.shape) == (32,)
    # Shuffled: the batches hold every training label once, not in the stored order.
    labels = np.concatenate([np.asarray(y) for _, y in batches])
    assert sorted(labels) == sorted(ns["y_train"]) and not np.array_equal(labels, ns["y_train"])


def test_gradient_tape_loop_lowers_the_loss(guide):
    section = guide["The training loop"]
    losses = numbers(r"Training loss \(for 1 batch\) at step 0: ([0-9.]+)", section.output)
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert section.output.count("Seen so far: 32 samples") == 3


def test_metrics_in_a_hand_written_loop(guide):
    section = guide["Low-level handling of metrics"]
    train = numbers(r"Training acc over epoch: ([0-9.]+)", section.output)
    val = numbers(r"Validation acc: ([0-9.]+)", section.output)
    assert len(train) == len(val) == 2
    assert min(train + val) > 0.5  # ten classes: chance is 0.1
    assert float(section.namespace["train_acc_metric"].result()) == 0.0  # reset at the end of each epoch


def test_tf_function_steps_keep_training_the_same_model(guide):
    section = guide["Speeding-up your training step with tf.function"]
    val = numbers(r"Validation acc: ([0-9.]+)", section.output)
    earlier = numbers(r"Validation acc: ([0-9.]+)", guide["Low-level handling of metrics"].output)
    assert len(val) == 2 and val[-1] > 0.6 and val[-1] >= earlier[0]
    # Lamina runs eagerly: tf.function hands back the function itself.
    assert section.namespace["train_step"].__name__ == "train_step"


def test_losses_tracked_by_the_model_join_the_step(guide):
    ns = guide["Low-level handling of losses tracked by the model"].namespace
    model, x, y = ns["model"], ns["x_train"][:32], ns["y_train"][:32]
    plain = float(ns["loss_fn"](y, model(x, training=True)))
    penalty = float(sum(model.losses))
    assert len(model.losses) == 1 and penalty > 0
    loss_value = ns["train_step"](x, y)  # the guide's step: loss_fn + sum(model.losses), then one update
    np.testing.assert_allclose(float(loss_value), plain + penalty, rtol=1e-5)


def test_gan_training_loop(run_guide):
    guide = run_guide("training_loop_gan")
    section = guide["The training loop"]
    assert "discriminator loss at step 0:" in section.output and "adversarial loss at step 0:" in section.output
    assert tuple(section.namespace["generated_images"].shape) == (64, 28, 28, 1)


def test_numbers_match_real_keras(guide):
    check_numbers_against_keras(guide)
