"""The hand-written NumPy convnet of benchmarks/conv_floor.py computes what PyTorch computes: the same loss and
the same gradients for every weight (float64, dropout mask fixed), so its timings are of the real work."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from conv_floor import ConvNetFloor  # noqa: E402

torch = pytest.importorskip("torch")


def test_floor_loss_and_gradients_equal_torch():
    rng = np.random.default_rng(0)
    net = ConvNetFloor(rng, batch=4, dtype=np.float64)
    for b in (net.b1, net.b2, net.b3):
        b[...] = rng.normal(scale=0.1, size=b.shape)
    x = rng.uniform(size=(4, 28, 28, 1))
    y = rng.integers(0, 10, 4)
    net.draw_mask(rng)
    loss = net.loss_and_gradients(x, y)

    w1, b1, w2, b2, w3, b3 = (torch.tensor(a.copy(), requires_grad=True)
                              for a in (net.w1, net.b1, net.w2, net.b2, net.w3, net.b3))
    h = torch.tensor(x.transpose(0, 3, 1, 2))
    h = torch.relu(torch.nn.functional.conv2d(h, w1.permute(3, 2, 0, 1).contiguous(), b1))
    h = torch.nn.functional.max_pool2d(h, 2)
    h = torch.relu(torch.nn.functional.conv2d(h, w2.permute(3, 2, 0, 1).contiguous(), b2))
    h = torch.nn.functional.max_pool2d(h, 2)
    h = h.permute(0, 2, 3, 1).reshape(4, -1) * torch.tensor(net.mask)   # Keras flattens channels-last
    expected = torch.nn.functional.cross_entropy(h @ w3 + b3, torch.tensor(y))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    for mine, theirs in zip((net.g_w1, net.g_b1, net.g_w2, net.g_b2, net.g_w3, net.g_b3), (w1, b1, w2, b2, w3, b3)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
