"""Section 7, back propagation: the 2-2-1 network's gradients three ways, by the notes' formulas, by Lamina's
autodiff and by central differences, and they agree.

The network of the notes: z1 = W1 x, a1 = ReLU(z1) (2 hidden units, no bias), z2 = w2 . a1, y_hat = sigmoid(z2),
binary cross-entropy L = -[y log y_hat + (1 - y) log(1 - y_hat)]. The chain rule, right to left:

    dL/dz2 = y_hat - y
    dL/dw2_j = (y_hat - y) a1_j                  dL/da1_j = (y_hat - y) w2_j
    dL/dz1_j = (y_hat - y) w2_j ReLU'(z1_j)      dL/dW1_jk = (y_hat - y) w2_j ReLU'(z1_j) x_k

Also the notes' gears: radii 1, 2 and 6; turning the largest once turns the others 3 and 6 times, the product
of the local rates, which is what autodiff computes.

Run: python examples/s7_backprop.py [--quick]
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

import numpy as np

import lamina
from _common import claim, heading, parse_args

X = np.array([1.0, 2.0])
W1 = np.array([[0.5, 0.3], [-0.2, 0.4]])
W2 = np.array([0.7, -1.1])
Y = 1.0


def loss_numpy(x: np.ndarray, W1: np.ndarray, w2: np.ndarray, y: float) -> float:
    """The forward pass in plain NumPy, float64: the loss only."""
    a1 = np.maximum(0.0, W1 @ x)
    y_hat = 1.0 / (1.0 + np.exp(-(w2 @ a1)))
    return float(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def gradients_by_formula(x: np.ndarray, W1: np.ndarray, w2: np.ndarray, y: float) -> dict[str, np.ndarray]:
    """The notes' hand-derived gradients, term by term."""
    z1 = W1 @ x
    a1 = np.maximum(0.0, z1)
    y_hat = 1.0 / (1.0 + np.exp(-(w2 @ a1)))
    dz2 = y_hat - y                                  # dL/dz2 = y_hat - y
    dw2 = dz2 * a1                                   # dL/dw2_j = (y_hat - y) a1_j
    dz1 = dz2 * w2 * (z1 > 0)                        # dL/dz1_j = (y_hat - y) w2_j ReLU'(z1_j)
    dW1 = np.outer(dz1, x)                           # dL/dW1_jk = dL/dz1_j x_k
    return {"W1": dW1, "w2": dw2}


def gradients_by_autodiff(x: np.ndarray, W1: np.ndarray, w2: np.ndarray, y: float) -> dict[str, np.ndarray]:
    """Lamina's reverse mode: write the forward pass, call backward()."""
    W1_t = lamina.tensor(W1, requires_grad=True, dtype=np.float64)
    w2_t = lamina.tensor(w2, requires_grad=True, dtype=np.float64)
    a1 = lamina.relu(W1_t @ lamina.tensor(x, dtype=np.float64))
    y_hat = lamina.sigmoid(w2_t @ a1)
    loss = -(y * lamina.log(y_hat) + (1 - y) * lamina.log(1 - y_hat))
    loss.backward()
    return {"W1": W1_t.grad, "w2": w2_t.grad}


def central_differences(f: Callable[[np.ndarray], float], w: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """dL/dw_k ~ (L(w + eps e_k) - L(w - eps e_k)) / (2 eps), error O(eps^2)."""
    grad = np.zeros_like(w)
    for k in np.ndindex(w.shape):
        plus, minus = w.copy(), w.copy()
        plus[k] += eps
        minus[k] -= eps
        grad[k] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def gradients_numerically(x: np.ndarray, W1: np.ndarray, w2: np.ndarray, y: float) -> dict[str, np.ndarray]:
    return {"W1": central_differences(lambda w: loss_numpy(x, w, w2, y), W1),
            "w2": central_differences(lambda w: loss_numpy(x, W1, w, y), w2)}


def gears() -> tuple[float, float]:
    """Rotations of the middle and smallest gear per turn of the largest (radii 1, 2, 6), by autodiff through
    the chain theta3 -> theta2 = (r3 / r2) theta3 -> theta1 = (r2 / r1) theta2."""
    r1, r2, r3 = 1.0, 2.0, 6.0
    rotations = []
    for depth in (1, 2):  # differentiate theta2, then theta1, with respect to theta3
        theta3 = lamina.tensor(1.0, requires_grad=True, dtype=np.float64)
        theta2 = theta3 * (r3 / r2)
        theta1 = theta2 * (r2 / r1)
        (theta2 if depth == 1 else theta1).backward()
        rotations.append(float(theta3.grad))
    return rotations[0], rotations[1]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv)
    np.set_printoptions(precision=8, suppress=True)

    heading("The 2-2-1 network of the notes")
    print(f"x = {X}, y = {Y}\nW1 =\n{W1}\nw2 = {W2}")
    z1 = W1 @ X
    print(f"z1 = {z1}, a1 = ReLU(z1) = {np.maximum(z1, 0)}, loss = {loss_numpy(X, W1, W2, Y):.8f}")

    results = {"formula": gradients_by_formula(X, W1, W2, Y),
               "autodiff": gradients_by_autodiff(X, W1, W2, Y),
               "numerical": gradients_numerically(X, W1, W2, Y)}
    for name in ("w2", "W1"):
        heading(f"dL/d{name}")
        for method, grads in results.items():
            print(f"{method:>10}: {grads[name].ravel()}" + ("  (row by row)" if name == "W1" else ""))

    worst = max(float(np.max(np.abs(results[m][name] - results["formula"][name])))
                for m in ("autodiff", "numerical") for name in ("W1", "w2"))
    heading("Agreement")
    print(f"largest difference from the formulas: {worst:.2e}")
    agree = claim(f"formulas, autodiff and central differences agree (max |difference| {worst:.1e} < 1e-8)",
                  worst < 1e-8)

    # lamina.gradcheck does the numerical check for any function of tensors: here on random inputs too.
    rng = np.random.default_rng(args.seed)
    trials = 3 if args.quick else 20
    for _ in range(trials):
        x, W1r, w2r = rng.normal(size=2), rng.normal(size=(2, 2)), rng.normal(size=2)

        def network_loss(W1_t: Any, w2_t: Any, x=x) -> Any:
            y_hat = lamina.sigmoid(w2_t @ lamina.relu(W1_t @ lamina.tensor(x, dtype=np.float64)))
            return -(Y * lamina.log(y_hat) + (1 - Y) * lamina.log(1 - y_hat))

        lamina.gradcheck(network_loss, W1r, w2r)
    claim(f"lamina.gradcheck passes on {trials} random 2-2-1 networks", True)

    heading("The gears of the chain rule (radii 1, 2, 6)")
    middle, smallest = gears()
    print(f"one turn of the largest gear turns the middle one {middle:g} times and the smallest {smallest:g} times")
    gears_hold = claim("autodiff multiplies the local rates: 3 x 2 = 6 turns", middle == 3.0 and smallest == 6.0)
    return {"gradients": results, "max_difference": worst, "agree": agree, "gears": smallest,
            "claims_hold": agree and gears_hold}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
