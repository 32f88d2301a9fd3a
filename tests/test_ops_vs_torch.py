"""The same random expressions give the same values and gradients in Lamina and PyTorch (float64)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import lamina

torch = pytest.importorskip("torch")


def run_both(expression_lamina, expression_torch, *arrays):
    lam_inputs = [lamina.tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    torch_inputs = [torch.tensor(a, requires_grad=True, dtype=torch.float64) for a in arrays]
    lam_out = expression_lamina(*lam_inputs)
    torch_out = expression_torch(*torch_inputs)
    np.testing.assert_allclose(lam_out.data, torch_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = np.random.default_rng(0).normal(size=lam_out.shape)
    lam_out.backward(seed)
    torch_out.backward(torch.tensor(seed))
    for lam_in, torch_in in zip(lam_inputs, torch_inputs):
        np.testing.assert_allclose(lam_in.grad, torch_in.grad.numpy(), rtol=1e-9, atol=1e-12)


matrices = st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))


@settings(max_examples=30, deadline=None)
@given(matrices, st.data())
def test_mlp_like_expression(dims, data):
    n, k, m = dims
    arr = lambda shape: data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3, width=64)))
    x, w, b = arr((n, k)), arr((k, m)), arr((m,))
    run_both(
        lambda x, w, b: lamina.tanh(lamina.sigmoid(x @ w + b) * 2 - x.sum(axis=1, keepdims=True)).mean(axis=0),
        lambda x, w, b: torch.tanh(torch.sigmoid(x @ w + b) * 2 - x.sum(dim=1, keepdim=True)).mean(dim=0),
        x, w, b)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(2, 5), st.data())
def test_softmax_family_and_losses(n, classes, data):
    z = data.draw(hnp.arrays(np.float64, (n, classes), elements=st.floats(-6, 6, width=64)))
    labels = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)))
    run_both(lambda z: lamina.softmax(z, temperature=1.7) * lamina.log_softmax(z),
             lambda z: torch.softmax(z / 1.7, dim=-1) * torch.log_softmax(z, dim=-1), z)
    run_both(lambda z: lamina.softmax_cross_entropy(z, labels, reduction="none"),
             lambda z: torch.nn.functional.cross_entropy(z, torch.tensor(labels), reduction="none"), z)
    targets = (z > 0).astype(np.float64)
    run_both(lambda z: lamina.sigmoid_binary_cross_entropy(z, targets),
             lambda z: torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(targets)), z)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=5),
                  elements=st.floats(-3, 3, width=64)))
def test_elementwise_shape_and_indexing(a):
    a = a + np.arange(a.size).reshape(a.shape) * 1e-3  # distinct values for max/min
    positive = np.abs(a) + 0.5
    run_both(lambda x, p: (lamina.exp(x) / lamina.sqrt(p) + lamina.log(p) ** 2).T[1:, ::-1].reshape(-1),
             lambda x, p: (torch.exp(x) / torch.sqrt(p) + torch.log(p) ** 2).T[1:, :].flip(1).reshape(-1),
             a, positive)
    run_both(lambda x: lamina.leaky_relu(x, 0.2) + lamina.relu(x) * lamina.clip(x, -1, 1),
             lambda x: torch.nn.functional.leaky_relu(x, 0.2) + torch.relu(x) * torch.clamp(x, -1, 1), a)
    run_both(lambda x: lamina.concatenate([x.max(axis=0), x.min(axis=1), lamina.abs(x)[0]], axis=0),
             lambda x: torch.cat([x.amax(dim=0), x.amin(dim=1), torch.abs(x)[0]], dim=0), a)
    run_both(lambda x, p: lamina.stack([lamina.maximum(x, p), lamina.minimum(x, p),
                                        lamina.where(x > 0, x, p)], axis=1),
             lambda x, p: torch.stack([torch.maximum(x, p), torch.minimum(x, p), torch.where(x > 0, x, p)], dim=1),
             a, positive)


def test_batched_matmul_matches_torch():
    rng = np.random.default_rng(1)
    run_both(lambda a, b: a @ b, lambda a, b: a @ b, rng.normal(size=(3, 4, 5)), rng.normal(size=(5, 2)))
    run_both(lambda a, b: a @ b, lambda a, b: a @ b, rng.normal(size=(2, 1, 4, 5)), rng.normal(size=(3, 5, 2)))
