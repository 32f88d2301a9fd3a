"""The tf.keras-shaped namespace: the imports the notes' listings use resolve to Lamina's objects."""
from __future__ import annotations

import lamina
import lamina as tf


def test_attribute_paths():
    assert tf.keras.Sequential is lamina.models.Sequential is tf.keras.models.Sequential is lamina.Sequential
    assert tf.keras.layers.Dense is lamina.layers.Dense
    assert tf.keras.layers.Input is lamina.layers.Input is tf.keras.Input is lamina.Input
    assert tf.keras.regularizers.l2 is lamina.regularizers.l2
    assert tf.keras.initializers.HeNormal is lamina.initializers.HeNormal
    assert tf.keras.losses.BinaryCrossentropy is lamina.losses.BinaryCrossentropy
    assert tf.keras.metrics.Precision is lamina.metrics.Precision
    assert tf.keras.activations.relu is lamina.relu
    assert tf.keras.utils.set_random_seed is lamina.random.set_random_seed
    assert tf.keras.backend.clear_session is lamina.layers.clear_session


def test_from_imports():
    from lamina.keras import layers, models, regularizers  # noqa: F401
    from lamina.keras.layers import BatchNormalization, Dense, Dropout  # noqa: F401
    from lamina.keras.models import Sequential
    assert Sequential is lamina.Sequential and Dense is lamina.layers.Dense


def test_optimizers_and_callbacks():
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.05)
    assert isinstance(optimizer, lamina.optimizers.Adam)
    from lamina.keras.callbacks import EarlyStopping
    assert EarlyStopping is lamina.callbacks.EarlyStopping is tf.keras.callbacks.EarlyStopping
    assert tf.keras.optimizers.schedules is lamina.optimizers.schedules
