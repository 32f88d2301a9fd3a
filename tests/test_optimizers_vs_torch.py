"""Cross-check against torch.optim: 100 steps on the same problem follow the same trajectory.

Where the rules are written differently the hyper-parameters are set to make them the same
function: PyTorch's Adagrad starts from r = 0 with eps = 1e-10 (set here explicitly on both
sides) and, like the notes and Lamina, adds epsilon outside the square root; torch's RMSprop
and Adam also put eps outside sqrt, exactly the notes' form. Torch's momentum buffers leave the
learning rate out (b = mu b + g; w -= lr b), which equals the notes' v = gamma v + eta g when
eta is constant, as here. So the two sides compute the same function and differ only by the
order of floating-point operations: in float64 that is ~1e-16 per operation, and the problem
(a convex quadratic plus fixed noise) does not amplify it, so 100 steps agree to 1e-10
relative. AdamW: both decay by w *= (1 - lr wd) before the Adam step.
"""

from __future__ import annotations

import numpy as np
import pytest

from lamina.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

torch = pytest.importorskip("torch")

CASES = {
    "sgd": (lambda: SGD(0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
    "sgd_momentum": (lambda: SGD(0.05, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "sgd_nesterov": (lambda: SGD(0.05, momentum=0.9, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    "adagrad": (lambda: Adagrad(0.1, initial_accumulator_value=0.0, epsilon=1e-10),
                lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.0, eps=1e-10)),
    "rmsprop": (lambda: RMSprop(0.01, rho=0.9, epsilon=1e-8),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    "rmsprop_centered_momentum": (
        lambda: RMSprop(0.01, rho=0.95, momentum=0.5, centered=True, epsilon=1e-8),
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.95, eps=1e-8, momentum=0.5, centered=True)),
    "adam": (lambda: Adam(0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
             lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
    "adam_amsgrad": (lambda: Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-8, amsgrad=True),
                     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-8, amsgrad=True)),
    "adamw": (lambda: AdamW(0.01, weight_decay=0.1, epsilon=1e-8),
              lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=1e-8)),
}


@pytest.mark.parametrize("name", CASES)
def test_follows_torch_for_100_steps(name):
    make_ours, make_torch = CASES[name]
    rng = np.random.default_rng(0)
    A = rng.normal(size=(8, 5))
    b = rng.normal(size=8)
    noise = rng.normal(size=(100, 5)) * 0.1
    w0 = rng.normal(size=5)

    def grad(w, t):  # gradient of 0.5 ||A w - b||^2, plus fixed noise so it never vanishes
        return A.T @ (A @ w - b) + noise[t]

    ours = w0.copy()
    theirs = torch.tensor(w0.copy(), dtype=torch.float64, requires_grad=True)
    opt, topt = make_ours(), make_torch([theirs])
    for t in range(100):
        opt.apply([grad(ours, t)], [ours])
        theirs.grad = torch.from_numpy(grad(theirs.detach().numpy().copy(), t))
        topt.step()
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"step {t}")
    assert np.abs(ours - w0).max() > 1e-2  # it did move
