"""TensorFlow's names under `import lamina as tf`: what they are, how they behave, and the errors for the rest.

Values of the functions against real TensorFlow are in test_keras_ops_values.py (the tf_* fixture cases).
"""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

import lamina
import lamina as tf


def test_version_names():
    assert tf.version.VERSION == lamina.__version__ == tf.__version__


def test_dtypes_are_numpy_dtypes():
    assert tf.float32 == np.float32 and tf.int64 == np.int64 and tf.bool == np.bool_
    assert tf.float32.name == "float32"
    x = tf.constant([1, 2], dtype=tf.float64)
    assert x.dtype == tf.float64
    assert tf.zeros((2,), dtype=tf.int32).dtype == np.int32


def test_submodules():
    assert isinstance(tf.nn, types.ModuleType) and isinstance(tf.math, types.ModuleType)
    assert tf.keras is lamina.keras
    from lamina import random as lamina_random
    assert tf.random is lamina_random  # one module, whichever way it was reached


def test_constant_and_variable():
    assert tf.constant(2.0).shape == ()
    assert tf.constant([1, 2]).dtype == np.int32  # Python integers become int32, as in TensorFlow
    v = tf.Variable(0.0, trainable=False, name="step")
    assert v.shape == () and not v.trainable and v.name == "step"
    v.assign_add(1.5)
    assert float(v.numpy()) == 1.5
    w = tf.Variable(tf.ones((2, 2)))
    assert isinstance(w, tf.Variable) and tf.Variable is lamina.variables.Variable and w.requires_grad


def test_function_is_an_identity_decorator():
    def step(x):
        return x * 2

    assert tf.function(step) is step
    assert tf.function(jit_compile=True, reduce_retracing=True)(step) is step

    @tf.function
    def loss_of(w):
        return tf.reduce_sum(tf.square(w))

    w = lamina.tensor([1.0, -2.0], requires_grad=True)
    loss_of(w).backward()
    np.testing.assert_allclose(w.grad, [2.0, -4.0])


def test_random_seed_rules():
    tf.random.set_seed(7)
    first = [tf.random.normal([3]).numpy(), tf.random.uniform([2], seed=1).numpy(),
             tf.random.uniform([2], seed=1).numpy()]
    tf.random.set_seed(7)
    again = [tf.random.normal([3]).numpy(), tf.random.uniform([2], seed=1).numpy(),
             tf.random.uniform([2], seed=1).numpy()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    # An operation seed starts a stream: two calls with the same seed differ (TensorFlow's rule).
    assert not np.array_equal(first[1], first[2])
    ints = tf.random.uniform([50], minval=2, maxval=5, dtype=tf.int32, seed=3)
    assert ints.dtype == np.int32 and ints.numpy().min() >= 2 and ints.numpy().max() <= 4
    with pytest.raises(ValueError, match="maxval"):
        tf.random.uniform([2], dtype=tf.int32)


def test_random_set_seed_reproduces_weights():
    """tf.random.set_seed makes Keras layers' initial weights reproducible (it is Lamina's set_random_seed)."""
    def weights():
        tf.random.set_seed(3)
        layer = tf.keras.layers.Dense(3)
        layer(np.ones((1, 2), dtype=np.float32))
        return layer.kernel.numpy().copy()

    np.testing.assert_array_equal(weights(), weights())


def test_config_reports_one_cpu():
    assert tf.config.list_physical_devices("GPU") == []
    (cpu,) = tf.config.list_physical_devices()
    assert cpu.device_type == "CPU"
    for gpu in tf.config.experimental.list_physical_devices("GPU"):  # the usual loop: runs zero times
        tf.config.experimental.set_memory_growth(gpu, True)
    assert tf.test.is_gpu_available() is False and tf.executing_eagerly()


def test_print_writes_values(capsys):
    tf.print("loss:", tf.constant([1.5, 2.0]))
    assert "loss: [1.5 2. ]" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["saved_model", "distribute", "lite", "io", "strings", "sparse", "ragged",
                                  "summary", "TensorShape", "einsum"])
def test_unimplemented_tensorflow_names_say_so(name):
    with pytest.raises(AttributeError, match=f"tf.{name} is a TensorFlow name that Lamina does not implement"):
        getattr(tf, name)
    assert not hasattr(tf, name)


@pytest.mark.parametrize("module, name", [("nn", "conv2d"), ("nn", "max_pool2d"), ("math", "bessel_i0")])
def test_unimplemented_names_in_submodules(module, name):
    with pytest.raises(AttributeError, match=f"tf.{module}.{name} is a TensorFlow name"):
        getattr(getattr(tf, module), name)


def test_unknown_name_is_a_plain_attribute_error():
    with pytest.raises(AttributeError, match="module 'lamina' has no attribute 'no_such_thing'"):
        tf.no_such_thing  # noqa: B018


def test_keras_names_through_tf():
    assert tf.keras.ops.add is lamina.keras.ops.add
    assert tf.keras.Variable is lamina.variables.Variable
    assert tf.keras.backend.clear_session is lamina.layers.clear_session


def test_import_lamina_loads_none_of_this():
    """The TensorFlow and keras.ops modules load on first use: `import lamina` stays light."""
    code = ("import sys, lamina; heavy = [m for m in ('lamina.tf_compat', 'lamina.tf_core', 'lamina.numpy_api', "
            "'lamina.nn_api', 'lamina.array_api', 'lamina.smooth_activations') if m in sys.modules]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
