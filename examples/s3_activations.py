"""Section 3, activation functions: their shapes and derivatives, why depth needs non-linearity, vanishing
gradients, softmax's temperature, and universal approximation.

1. sigmoid, tanh, ReLU, leaky ReLU and their derivatives, the derivatives by Lamina's autodiff (plot): sigmoid'
   is at most 0.25, tanh' at most 1, and both vanish for large |x| (saturation).
2. Without a non-linearity, depth is useless: three linear layers compute one linear map.
3. Vanishing gradients: the gradient norm of each layer of 10-layer stacks (sigmoid, tanh, ReLU) at
   initialization, on the digits. Sigmoid's shrinks ~4x or more per layer; ReLU's does not (plot).
4. Softmax with temperature T on the notes' logits (3, 1, 0.5): 82.1%, 11.1%, 6.7% at T = 1; one-hot as T -> 0,
   uniform as T -> infinity. Its Jacobian by autodiff equals sigma_i (delta_ij - sigma_j).
5. Universal approximation: one hidden layer of tanh units fits f(x) = sin(3x) + 0.3 x^2, the better the
   more units; a network without activations only fits a straight line (plot).

Run: python examples/s3_activations.py [--quick] [--output DIR]
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

import lamina
from lamina import layers, losses, optimizers, plot
from lamina.datasets import smooth_function
from _common import claim, heading, load_images, parse_args, save_plot, table

ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu")


def derivative(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) by autodiff (float64): the gradient of sum(f(x)) is f'(x), elementwise."""
    xt = lamina.tensor(x, requires_grad=True, dtype=np.float64)
    out = lamina.activations.get(name)(xt)
    out.sum().backward()
    return out.numpy(), xt.grad


def shapes_and_derivatives() -> bool:
    heading("1. Activation functions and their derivatives (autodiff)")
    points = np.array([-5.0, -2.0, -0.5, 0.5, 2.0, 5.0])
    rows = []
    for name in ELEMENTWISE:
        _, slopes = derivative(name, points)
        rows.append([name + "'", *slopes])
    table(rows, ["x"] + [f"{p:g}" for p in points])
    grid = np.linspace(-6, 6, 1201)
    sig_max = float(derivative("sigmoid", grid)[1].max())
    tanh_max = float(derivative("tanh", grid)[1].max())
    sig_edge = float(derivative("sigmoid", np.array([5.0]))[1][0])
    tanh_edge = float(derivative("tanh", np.array([5.0]))[1][0])
    ok = claim(f"sigmoid' peaks at {sig_max:.4f} = 1/4 and tanh' at {tanh_max:.4f} = 1 (x = 0)",
               abs(sig_max - 0.25) < 1e-6 and abs(tanh_max - 1.0) < 1e-6)
    ok &= claim(f"both saturate: sigmoid'(5) = {sig_edge:.1e}, tanh'(5) = {tanh_edge:.1e}, while ReLU'(5) = 1",
                sig_edge < 0.01 and tanh_edge < 0.001)
    return ok


def linear_collapse(rng: np.random.Generator) -> bool:
    heading("2. Depth without non-linearity collapses into one linear layer")
    model = lamina.Sequential([layers.Input((4,)), layers.Dense(8), layers.Dense(8), layers.Dense(3)])
    (W1, b1, W2, b2, W3, b3) = model.get_weights()
    W = W1 @ W2 @ W3                      # g(f(x)) = (ba) x: the product of the layers' matrices
    b = (b1 @ W2 + b2) @ W3 + b3
    x = rng.normal(size=(5, 4)).astype(np.float32)
    gap = float(np.max(np.abs(model.predict(x, verbose=0) - (x @ W + b))))
    print(f"three linear layers (4-8-8-3) vs the single matrix W1 W2 W3 (4x3): max difference {gap:.1e}")
    return claim("a stack of linear layers is one linear layer", gap < 1e-5)


def stack(activation: str, initializer: str, depth: int, width: int, n_classes: int, n_features: int) -> Any:
    hidden = [layers.Dense(width, activation=activation, kernel_initializer=initializer) for _ in range(depth)]
    return lamina.Sequential([layers.Input((n_features,)), *hidden, layers.Dense(n_classes, activation="softmax")])


def gradient_norms(model: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """||dL/dW|| of every layer's kernel after one backward pass of the cross-entropy."""
    loss = losses.SparseCategoricalCrossentropy()(y, model(x, training=True))
    loss.backward()
    return np.array([float(np.linalg.norm(layer.kernel.grad)) for layer in model.layers])


def vanishing_gradients(args: Any, depth: int = 10) -> tuple[bool, dict[str, np.ndarray]]:
    heading(f"3. Vanishing gradients: {depth} hidden layers of 32 units, at initialization")
    _, (x, y), _ = load_images("digits")
    x, y = x[:256], y[:256]
    setups = {"sigmoid (Glorot)": ("sigmoid", "glorot_uniform"), "tanh (Glorot)": ("tanh", "glorot_uniform"),
              "relu (Glorot)": ("relu", "glorot_uniform"), "relu (He)": ("relu", "he_normal")}
    norms = {}
    for label, (activation, initializer) in setups.items():
        lamina.utils.set_random_seed(args.seed)
        norms[label] = gradient_norms(stack(activation, initializer, depth, 32, 10, x.shape[1]), x, y)
    rows = [[f"layer {i + 1}" if i < depth else "output"] + [norms[label][i] for label in setups]
            for i in range(depth + 1)]
    table(rows, ["||dL/dW||", *setups])
    ratio = {label: norms[label][0] / norms[label][depth - 1] for label in setups}
    print("first / last hidden layer: " + ", ".join(f"{label} {r:.1e}" for label, r in ratio.items()))
    print("(tanh with Glorot's initialization starts in its linear region, where tanh' ~ 1; its gradients fade "
          "once units saturate, as the table of section 1 shows)")
    ok = claim(f"sigmoid's gradient fades with depth: layer 1 gets {ratio['sigmoid (Glorot)']:.1e} of layer "
               f"{depth}'s", ratio["sigmoid (Glorot)"] < 1e-3)
    ok &= claim(f"ReLU's does not: layer 1 gets {ratio['relu (He)']:.2f} of layer {depth}'s (He init)",
                ratio["relu (He)"] > 0.1)
    save_plot(args, "s3_gradient_norms.png", lambda path: plot.curves(
        {label: (np.arange(1, depth + 1), norms[label][:depth]) for label in setups}, path=path,
        xlabel="hidden layer (1 = nearest the input)", ylabel="||dL/dW||", logy=True,
        title=f"Gradient norm per layer, {depth}-layer stacks at initialization", size=(7.5, 4.2)))
    return ok, norms


def softmax_temperature() -> bool:
    heading("4. Softmax and temperature (logits: positive 3, neutral 1, negative 0.5)")
    logits = np.array([3.0, 1.0, 0.5])
    temperatures = (0.1, 0.5, 1.0, 2.0, 5.0, 100.0)
    rows = []
    probabilities = {}
    for T in temperatures:
        p = lamina.softmax(lamina.tensor(logits, dtype=np.float64), temperature=T).numpy()
        probabilities[T] = p
        rows.append([f"T = {T:g}", *(f"{100 * v:.1f}%" for v in p)])
    table(rows, ["", "positive", "neutral", "negative"])
    ok = claim("T = 1 gives the notes' 82.1%, 11.1%, 6.7%",
               np.allclose(np.round(100 * probabilities[1.0], 1), [82.1, 11.1, 6.7]))
    # At T = 100 each probability is within (z_i - mean z) / (3 T) ~ 0.005 of 1/3 for these logits: the tolerance
    # is the distance from the limit at this T.
    ok &= claim(f"T -> 0: a hard max ({probabilities[0.1][0]:.5f}); T -> infinity: uniform "
                f"({probabilities[100.0].min():.4f}..{probabilities[100.0].max():.4f})",
                probabilities[0.1][0] > 0.99 and np.allclose(probabilities[100.0], 1 / 3, atol=0.01))
    # The Jacobian, one row per output by autodiff, against the closed form sigma_i (delta_ij - sigma_j).
    sigma = probabilities[1.0]
    jacobian = np.zeros((3, 3))
    for i in range(3):
        z = lamina.tensor(logits, requires_grad=True, dtype=np.float64)
        lamina.softmax(z)[i].backward()
        jacobian[i] = z.grad
    closed_form = np.diag(sigma) - np.outer(sigma, sigma)
    ok &= claim("softmax's Jacobian by autodiff equals sigma_i (delta_ij - sigma_j)",
                np.allclose(jacobian, closed_form, atol=1e-12))
    return ok


def universal_approximation(args: Any) -> tuple[bool, dict[str, float]]:
    heading("5. Universal approximation of f(x) = sin(3x) + 0.3 x^2 with one hidden layer")
    x, y = smooth_function(200)
    epochs = 400 if args.quick else 600
    widths = (1, 3, 10, 50)
    fits, errors = {}, {}
    grid = np.linspace(-2, 2, 300, dtype=np.float32)[:, None]

    def train(model: Any) -> float:
        model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse")
        history = model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
        return float(history.history["loss"][-1])

    for units in widths:
        lamina.utils.set_random_seed(args.seed)
        model = lamina.Sequential([layers.Input((1,)), layers.Dense(units, activation="tanh"), layers.Dense(1)])
        label = f"{units} tanh unit{'s' if units > 1 else ''}"
        errors[label] = train(model)
        fits[label] = model.predict(grid, verbose=0).ravel()
    lamina.utils.set_random_seed(args.seed)
    linear = lamina.Sequential([layers.Input((1,)), layers.Dense(50), layers.Dense(50), layers.Dense(1)])
    errors["50-50 linear (no activation)"] = train(linear)
    fits["50-50 linear (no activation)"] = linear.predict(grid, verbose=0).ravel()
    variance = float(np.var(y))
    table([[label, mse, mse / variance] for label, mse in errors.items()], ["network", "training MSE", "/ var(y)"])
    widest, narrowest = errors[f"{widths[-1]} tanh units"], errors["1 tanh unit"]
    ok = claim(f"one hidden layer of {widths[-1]} units fits closely: MSE {widest:.4f} < 5% of var(y) = "
               f"{variance:.3f}, and < 1/10 of one unit's {narrowest:.3f}",
               widest < 0.05 * variance and widest < narrowest / 10)
    ok &= claim(f"without a non-linearity, depth only fits a line: MSE {errors['50-50 linear (no activation)']:.3f}",
                errors["50-50 linear (no activation)"] > 10 * widest)

    def draw(path: Any) -> None:
        fig, ax = plot.figure(size=(9.5, 4.2))
        ax.plot(x.ravel(), y.ravel(), ".", color="grey", label="samples of f")
        for label, values in fits.items():
            ax.plot(grid.ravel(), values, label=f"{label}: MSE {errors[label]:.3g}")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.set_title("One hidden layer approximates a smooth function")
        ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))  # outside: the curves fill the axes
        ax.grid(alpha=0.3)
        plot.save(fig, path)

    save_plot(args, "s3_universal_approximation.png", draw)
    return ok, errors


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv)
    rng = np.random.default_rng(args.seed)
    holds = shapes_and_derivatives()
    save_plot(args, "s3_activations.png",
              lambda path: plot.activations(ELEMENTWISE, path=path, title="Activation functions (section 3)"))
    holds &= linear_collapse(rng)
    vanishing_ok, norms = vanishing_gradients(args)
    holds &= vanishing_ok
    holds &= softmax_temperature()
    approximation_ok, errors = universal_approximation(args)
    holds &= approximation_ok
    return {"gradient_norms": norms, "approximation_mse": errors, "claims_hold": bool(holds)}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
