"""keras.random: Keras 3's seed rules on Lamina's generators, and the distributions drawn.

The draws are NumPy's, not TensorFlow's, so the checks are statistical: sample moments within a bound that a
correct sampler misses with probability ~1e-6 (5 standard errors), at a fixed seed.
"""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina.keras import random as krandom
from lamina.keras import utils

N = 20_000


def five_standard_errors(std: float, n: int = N) -> float:
    return 5 * std / np.sqrt(n)


def test_integer_seed_repeats_the_draw():
    a = krandom.normal((4,), seed=3)
    b = krandom.normal((4,), seed=3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), krandom.normal((4,), seed=4).numpy())


def test_seed_generator_advances_and_is_reproducible():
    first = krandom.SeedGenerator(5)
    draws = [krandom.uniform((3,), seed=first).numpy() for _ in range(2)]
    assert not np.array_equal(draws[0], draws[1])
    second = krandom.SeedGenerator(5)
    np.testing.assert_array_equal(krandom.uniform((3,), seed=second).numpy(), draws[0])
    assert second.next().shape == (2,)
    with pytest.raises(ValueError, match="non-negative integer"):
        krandom.SeedGenerator(-1)


def test_global_draws_follow_set_random_seed():
    utils.set_random_seed(11)
    first = krandom.normal((3,)).numpy(), krandom.normal((3,)).numpy()
    utils.set_random_seed(11)
    again = krandom.normal((3,)).numpy(), krandom.normal((3,)).numpy()
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1])


def test_normal_and_uniform_moments():
    x = krandom.normal((N,), mean=2.0, stddev=3.0, seed=0).numpy()
    assert x.dtype == np.float32
    assert abs(x.mean() - 2.0) < five_standard_errors(3.0)
    assert abs(x.std() - 3.0) < five_standard_errors(3.0 / np.sqrt(2))
    u = krandom.uniform((N,), minval=-1.0, maxval=3.0, seed=1).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < five_standard_errors(4 / np.sqrt(12))


def test_truncated_normal_stays_within_two_standard_deviations():
    x = krandom.truncated_normal((N,), mean=1.0, stddev=0.5, seed=2).numpy()
    assert x.min() >= 0.0 and x.max() <= 2.0
    # The standard normal truncated to [-2, 2] has standard deviation 0.8796.
    assert abs(x.std() - 0.5 * 0.8796) < five_standard_errors(0.5)


def test_randint_range_and_dtype():
    x = krandom.randint((N,), 3, 7, seed=4)
    assert x.dtype == np.int32
    assert set(np.unique(x.numpy())) == {3, 4, 5, 6}
    with pytest.raises(ValueError, match="integer type"):
        krandom.randint((2,), 0, 3, dtype="float32")


def test_dropout_rate_scale_noise_shape_and_gradient():
    x = lamina.tensor(np.ones((200, 100)), requires_grad=True)
    y = krandom.dropout(x, 0.25, seed=5)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < five_standard_errors(np.sqrt(0.75 * 0.25), kept.size)
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.numpy())  # the gradient passes through the same mask
    shared = krandom.dropout(np.ones((4, 6)), 0.5, noise_shape=(None, 1), seed=6).numpy()
    assert all(len(set(row)) == 1 for row in shared)  # one decision per row
    with pytest.raises(ValueError, match="rate"):
        krandom.dropout(np.ones(3), 1.0)


def test_shuffle_is_a_permutation_along_the_axis():
    x = np.arange(12.0).reshape(4, 3)
    y = krandom.shuffle(x, axis=0, seed=7).numpy()
    assert sorted(map(tuple, y)) == sorted(map(tuple, x))
    columns = krandom.shuffle(x, axis=1, seed=7).numpy()
    np.testing.assert_array_equal(np.sort(columns, axis=1), x)


def test_categorical_frequencies():
    probs = np.array([0.2, 0.5, 0.3])
    samples = krandom.categorical(np.log(probs)[None, :], N, seed=8)
    assert samples.shape == (1, N) and samples.dtype == np.int32
    frequencies = np.bincount(samples.numpy()[0], minlength=3) / N
    assert np.all(np.abs(frequencies - probs) < five_standard_errors(0.5))


def test_gamma_beta_binomial_means():
    assert abs(krandom.gamma((N,), 2.0, seed=9).numpy().mean() - 2.0) < five_standard_errors(np.sqrt(2.0))
    assert abs(krandom.beta((N,), 2.0, 3.0, seed=10).numpy().mean() - 0.4) < five_standard_errors(0.2)
    draws = krandom.binomial((N,), 10, 0.3, seed=11).numpy()
    assert draws.dtype == np.float32 and abs(draws.mean() - 3.0) < five_standard_errors(np.sqrt(2.1))
