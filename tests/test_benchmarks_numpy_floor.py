"""The hand-written NumPy benchmark runner (benchmarks/numpy_floor.py) computes what it claims.

Its gradients are derived by hand, so they are checked against central finite differences in float64; its
Adam against the formula written out plainly; and the benchmark driver must accept it and print its results.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from numpy_floor import FLUSH_EVERY, FlatAdam, Network, XorNetwork  # noqa: E402


def finite_difference_gradient(net, x, y, step=1e-6):
    numeric = np.empty_like(net.params)
    for j in range(net.params.size):
        old = net.params[j]
        net.params[j] = old + step
        plus = net.loss_and_gradients(x, y)
        net.params[j] = old - step
        minus = net.loss_and_gradients(x, y)
        net.params[j] = old
        numeric[j] = (plus - minus) / (2 * step)
    return numeric


@pytest.mark.parametrize("batch_norm, dropout", [(True, 0.0), (False, 0.0), (True, 0.3), (False, 0.3)])
def test_mlp_gradients_match_finite_differences(batch_norm, dropout):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(7, 6)), rng.integers(0, 3, size=7)
    net = Network((6, 5, 4, 3), batch_norm, dropout, np.random.default_rng(2), dtype=np.float64)
    for b in net.b:           # non-zero biases: a dropped-out row would otherwise sit on ReLU's kink at 0
        b[...] = rng.normal(scale=0.1, size=b.shape)
    for gamma, beta in zip(net.gamma, net.beta):
        gamma[...] = rng.uniform(0.5, 1.5, size=gamma.shape)
        beta[...] = rng.normal(scale=0.1, size=beta.shape)
    net.draw_dropout_masks(len(x), rng)   # kept fixed across the evaluations below
    if dropout:
        assert not net.buffers(len(x)).keep_flat.all()
    net.loss_and_gradients(x, y)
    analytic = net.grads.copy()
    numeric = finite_difference_gradient(net, x, y)
    assert np.abs(analytic).max() > 1e-2
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_xor_gradients_match_finite_differences():
    net = XorNetwork(np.random.default_rng(3), dtype=np.float64)
    net.b1[...] = [0.1, -0.2]   # away from the leaky ReLU's kink, where (0, 0) puts z = b1
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    net.loss_and_gradients(x, y)
    analytic = net.grads.copy()
    np.testing.assert_allclose(analytic, finite_difference_gradient(net, x, y), rtol=1e-6, atol=1e-8)


def test_flat_adam_in_blocks_is_keras_adam():
    rng = np.random.default_rng(0)
    params = rng.normal(size=50)
    grads = np.zeros_like(params)
    adam = FlatAdam(params, grads, learning_rate=0.01, block=16)   # 4 blocks, the last one short
    assert len(adam.blocks) == 4
    w, m, v = params.copy(), np.zeros(50), np.zeros(50)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    for t in range(1, 41):
        grads[...] = rng.normal(size=50)
        adam.step()
        m = b1 * m + (1 - b1) * grads
        v = b2 * v + (1 - b2) * grads ** 2
        w -= lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps * np.sqrt(1 - b2 ** t))
    np.testing.assert_allclose(params, w, rtol=1e-12, atol=1e-14)


def test_flat_adam_flushes_tiny_moments_to_zero():
    params = np.ones(8, np.float32)
    grads = np.zeros(8, np.float32)
    grads[:4] = 1e-19                     # squares to 1e-38: a subnormal second moment
    adam = FlatAdam(params, grads)
    for _ in range(FLUSH_EVERY):
        adam.step()
    assert np.all(adam.v == 0) and np.all(adam.m[:4] != 0)


def test_inference_with_moving_statistics_equal_to_the_batch_ones_gives_the_training_prediction():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(16, 6)).astype(np.float32), rng.integers(0, 3, size=16)
    net = Network((6, 8, 8, 3), True, 0.0, np.random.default_rng(6))
    net.loss_and_gradients(x, y)
    probabilities = net.buffers(16).logits * 16           # dL/dlogits = (p - onehot) / B
    probabilities[np.arange(16), y] += 1
    moving_before = net.moving_stats.copy()
    net.update_moving_statistics()
    np.testing.assert_allclose(net.moving_stats, 0.99 * moving_before + 0.01 * net.batch_stats, rtol=1e-6)
    net.moving_stats[...] = net.batch_stats
    np.testing.assert_array_equal(net.predict(x), probabilities.argmax(axis=1))


def test_everything_stays_float32():
    rng = np.random.default_rng(7)
    net = Network((6, 8, 8, 3), True, 0.2, rng)
    adam = FlatAdam(net.params, net.grads)
    x, y = rng.normal(size=(10, 6)).astype(np.float32), rng.integers(0, 3, size=10)
    for _ in range(3):
        net.draw_dropout_masks(10, rng)
        net.loss_and_gradients(x, y)
        net.update_moving_statistics()
        adam.step()
    buffers = net.buffers(10)
    arrays = [net.params, net.grads, net.moving_stats, adam.m, adam.v, buffers.logits, *buffers.a, *buffers.z,
              *buffers.mask, *buffers.grad]
    assert all(a.dtype == np.float32 for a in arrays)
    assert np.isfinite(net.params).all()


def test_train_bench_runs_the_numpy_floor_in_tiny_mode():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "train_bench.py"), "--tiny", "-w", "A,C,D",
                           "-f", "numpy"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "failed" not in done.stdout and "skipped" not in done.stdout
    for workload in "ACD":
        assert f"workload {workload}" in done.stdout
    assert done.stdout.count("  numpy ") == 3
    assert "solved XOR in" in done.stdout and "s/epoch" in done.stdout
