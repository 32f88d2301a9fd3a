"""Section 2, the XOR problem: no linear model solves it; two ReLU neurons do.

1. Linear regression: solving the normal equations gives w = 0, w0 = 0.5, so the output is 0.5 for every input.
2. Logistic regression (one sigmoid neuron, trained with Lamina) cannot separate the points: accuracy <= 3/4.
3. The notes' hand-set network, W = [[1, 1], [1, 1]], c = [0, -1], w = [1, -2], b = 0, gives exactly [0, 1, 1, 0].
4. The notes' listing (2 leaky-ReLU neurons, he_normal, Adam(0.05), MSE, 100 epochs) trained from a few seeds:
   how often it finds a solution, and the weights it finds.
5. A decision-boundary plot of the trained network.

Run: python examples/s2_xor.py [--quick] [--output DIR]
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

import lamina
from lamina import layers, optimizers, plot
from lamina.datasets import xor
from _common import claim, heading, parse_args, save_plot


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Linear regression y_hat = w^T x + w0 by the normal equations (A^T A) theta = A^T y, A = [X, 1]."""
    A = np.column_stack([X, np.ones(len(X))]).astype(np.float64)
    theta = np.linalg.solve(A.T @ A, A.T @ y.astype(np.float64))
    return theta[:-1].ravel(), float(theta[-1, 0])


def logistic_regression(X: np.ndarray, y: np.ndarray, epochs: int) -> tuple[Any, float]:
    """One sigmoid neuron trained with binary cross-entropy: the best line it can find."""
    model = lamina.Sequential([layers.Input((2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.1), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=epochs, batch_size=4, verbose=0)
    _, accuracy = model.evaluate(X, y, verbose=0)
    return model, float(accuracy)


def hand_set_network() -> Any:
    """The notes' solution: y_hat = w max(0, XW + c) + b."""
    model = lamina.Sequential([layers.Input((2,)), layers.Dense(2, activation="relu"), layers.Dense(1)])
    model.set_weights([np.array([[1, 1], [1, 1]], dtype=np.float32), np.array([0, -1], dtype=np.float32),
                       np.array([[1], [-2]], dtype=np.float32), np.array([0], dtype=np.float32)])
    return model


def notes_listing(X: np.ndarray, y: np.ndarray, seed: int) -> Any:
    """The notes' Keras listing, on Lamina: 2 leaky-ReLU hidden neurons, a linear output, MSE, Adam(0.05)."""
    lamina.utils.set_random_seed(seed)
    model = lamina.Sequential([
        layers.Dense(2, activation="leaky_relu", kernel_initializer="he_normal", input_shape=(2,),
                     name="hidden_layer"),
        layers.Dense(1, name="output_layer"),
    ])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05), loss="mse")
    model.fit(X, y, epochs=100, verbose=0)
    return model


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv)
    X, y = xor()
    np.set_printoptions(precision=4, suppress=True)

    heading("1. Linear regression (normal equations)")
    w, w0 = least_squares(X, y)
    outputs = X @ w + w0
    print(f"w = {w}, w0 = {w0:.4f}; outputs for the four inputs: {outputs}")
    linear_holds = claim("least squares gives w = 0, w0 = 0.5: the output is 0.5 whatever the input",
                         np.allclose(w, 0, atol=1e-12) and abs(w0 - 0.5) < 1e-12)

    heading("2. Logistic regression (one sigmoid neuron, Lamina)")
    logistic, logistic_accuracy = logistic_regression(X, y, epochs=100 if args.quick else 500)
    print(f"probabilities: {logistic.predict(X, verbose=0).ravel()}, accuracy {logistic_accuracy:.2f}")
    logistic_holds = claim(f"no line separates XOR: logistic regression's accuracy {logistic_accuracy:.2f} <= 0.75",
                           logistic_accuracy <= 0.75)

    heading("3. The notes' hand-set 2-neuron network")
    hand = hand_set_network()
    hidden = np.maximum(X @ np.array([[1, 1], [1, 1]]) + np.array([0, -1]), 0)
    print(f"hidden representation ReLU(XW + c) =\n{hidden}")
    hand_out = hand.predict(X, verbose=0).ravel()
    print(f"outputs: {hand_out}")
    hand_holds = claim("the hand-set network outputs exactly [0, 1, 1, 0]", np.array_equal(hand_out, y.ravel()))

    heading("4. The notes' listing, trained from several seeds")
    seeds = range(args.seed, args.seed + 10)  # cheap (4 samples, 100 steps each), so the quick mode keeps all
    solved: list[tuple[int, Any]] = []
    for seed in seeds:
        model = notes_listing(X, y, seed)
        raw = model.predict(X, verbose=0).ravel()
        ok = np.array_equal(np.round(raw), y.ravel())
        print(f"seed {seed}: raw outputs {raw}, {'solved' if ok else 'not solved'}")
        if ok:
            solved.append((seed, model))
    print(f"{len(solved)} of {len(seeds)} seeds solve XOR (2 hidden units leave little room: some starts end in "
          f"a dead or linear region)")
    trained_holds = claim("training finds a solution from at least one seed", bool(solved))
    trained = solved[0][1] if solved else model
    if solved:
        W, c, w_out, b = trained.get_weights()
        print(f"seed {solved[0][0]}'s weights: W =\n{W}\nc = {c}, w = {w_out.ravel()}, b = {b}")

    heading("5. Decision boundaries")

    def draw(path: Any) -> None:
        fig, axes = plot.figure(ncols=2, size=(10.5, 4.2))
        plot.decision_boundary(logistic, X, y, ax=axes[0], margin=0.4,
                               title=f"logistic regression: accuracy {logistic_accuracy:.2f}")
        plot.decision_boundary(trained, X, y, ax=axes[1], margin=0.4,
                               title=f"2 leaky-ReLU neurons (seed {solved[0][0] if solved else '-'})")
        plot.save(fig, path)

    save_plot(args, "s2_xor_decision_boundary.png", draw)
    holds = linear_holds and logistic_holds and hand_holds and trained_holds
    return {"w": w, "w0": w0, "linear_outputs": outputs, "logistic_accuracy": logistic_accuracy,
            "hand_outputs": hand_out, "seeds_solved": [s for s, _ in solved], "seeds_tried": list(seeds),
            "claims_hold": holds}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
