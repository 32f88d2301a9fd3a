"""Section 4, optimization: SGD, momentum, AdaGrad, RMSProp and Adam (lamina.optimizers) on two non-convex
surfaces, and learning-rate decay.

1. A saddle, f(w) = w1^2 + w2^4/4 - w2^2/2 (saddle point at 0, minima at (0, +-1)), starting next to the saddle
   point where the gradient is nearly zero. At the same learning rate, plain SGD barely moves; momentum's
   velocity and RMSProp's / Adam's division by the gradient's size escape several times faster.
2. A ravine, Rosenbrock's f(w) = (1 - w1)^2 + 100 (w2 - w1^2)^2 (minimum at (1, 1)), steep across and flat
   along. Each optimizer runs with its best learning rate from a grid (1e-4 .. 1, searched once; --search
   repeats the search): SGD's rate is capped by the steep walls and it crawls; AdaGrad's accumulated squares
   shrink its steps until it stalls; momentum and Adam reach the minimum.
3. Learning-rate decay: SGD on a noisy quadratic. A large constant rate is fast but stalls at a noise floor, a
   small one is slow; the notes' linear decay (eta_0 = 0.1 -> eta_tau = 0.01 over tau = 100 steps) gets both.

The gradients come from Lamina's autodiff; the parameters are updated by ``optimizer.step([w])``.

Run: python examples/s4_optimizers.py [--quick] [--search] [--output DIR]
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

import numpy as np

import lamina
from lamina import optimizers, plot
from lamina.optimizers.schedules import LinearDecay, PolynomialDecay
from _common import claim, heading, parse_args, save_plot, table

Surface = Callable[[Any], Any]

OPTIMIZERS: dict[str, Callable[[float], optimizers.Optimizer]] = {
    "SGD": lambda lr: optimizers.SGD(learning_rate=lr),
    "momentum": lambda lr: optimizers.SGD(learning_rate=lr, momentum=0.9),
    "AdaGrad": lambda lr: optimizers.Adagrad(learning_rate=lr),
    "RMSProp": lambda lr: optimizers.RMSprop(learning_rate=lr),
    "Adam": lambda lr: optimizers.Adam(learning_rate=lr),
}

SADDLE_START, SADDLE_RATE = (1.5, 1e-3), 0.01
RAVINE_START = (-1.2, 1.0)
# Best of the grid GRID for each optimizer on the ravine (found with --search; a rate that converges in the
# fewest steps, preferring the smaller of two close ones). SGD and AdaGrad converge at no rate in the grid.
RAVINE_RATES = {"SGD": 1e-3, "momentum": 3e-3, "AdaGrad": 0.3, "RMSProp": 3e-3, "Adam": 0.3}
GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
TOLERANCE = 1e-2


def saddle(w: Any) -> Any:
    return w[0] ** 2 + w[1] ** 4 / 4 - w[1] ** 2 / 2


def saddle_grid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x ** 2 + y ** 4 / 4 - y ** 2 / 2


def rosenbrock(w: Any) -> Any:
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def rosenbrock_grid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def at_saddle_minimum(w: np.ndarray) -> bool:
    return bool(np.hypot(w[0], abs(w[1]) - 1.0) < TOLERANCE)


def at_ravine_minimum(w: np.ndarray) -> bool:
    return bool(np.hypot(w[0] - 1.0, w[1] - 1.0) < TOLERANCE)


def descend(surface: Surface, optimizer: optimizers.Optimizer, start: Sequence[float], max_steps: int,
            converged: Callable[[np.ndarray], bool]) -> tuple[int | None, np.ndarray]:
    """Run ``optimizer`` from ``start`` until ``converged`` or ``max_steps``; return the steps taken (None when
    it did not converge) and the path, shape (steps + 1, 2)."""
    w = lamina.tensor(np.array(start, dtype=np.float64), requires_grad=True, dtype=np.float64)
    path = [w.numpy().copy()]
    for step in range(1, max_steps + 1):
        w.grad = None
        surface(w).backward()
        optimizer.step([w])
        path.append(w.numpy().copy())
        if not np.all(np.isfinite(path[-1])):
            return None, np.array(path[:-1])
        if converged(path[-1]):
            return step, np.array(path)
    return None, np.array(path)


def report(runs: dict[str, tuple[int | None, np.ndarray]], rates: dict[str, float], max_steps: int,
           value: Callable[[np.ndarray], float], target: Callable[[np.ndarray], float]) -> None:
    rows = []
    for name, (steps, path) in runs.items():
        end = path[-1]
        rows.append([name, f"{rates[name]:g}", steps if steps is not None else f"> {max_steps}",
                     f"({end[0]:.3f}, {end[1]:.3f})", target(end), value(end)])
    table(rows, ["optimizer", "rate", "steps to converge", "final w", "distance to minimum", "f(w)"])


def saddle_section(args: Any) -> tuple[bool, dict[str, Any]]:
    max_steps = 1000 if args.quick else 3000
    heading(f"1. Saddle: start at {SADDLE_START}, all at learning rate {SADDLE_RATE}, converged = within "
            f"{TOLERANCE} of a minimum")
    runs = {name: descend(saddle, make(SADDLE_RATE), SADDLE_START, max_steps, at_saddle_minimum)
            for name, make in OPTIMIZERS.items()}
    report(runs, {name: SADDLE_RATE for name in runs}, max_steps,
           lambda w: float(saddle_grid(w[0], w[1])), lambda w: float(np.hypot(w[0], abs(w[1]) - 1)))
    steps = {name: (s if s is not None else np.inf) for name, (s, _) in runs.items()}
    faster = [name for name in ("momentum", "RMSProp", "Adam") if steps[name] * 2 <= steps["SGD"]]
    print("(AdaGrad's accumulator starts at 0.1, as in Keras, so its first steps are ~3x smaller than the gradient"
          " at this rate)")
    ok = claim(f"near the saddle plain SGD barely moves ({steps['SGD']:g} steps); momentum, RMSProp and Adam "
               f"escape at least 2x faster at the same rate ({', '.join(f'{n} {steps[n]:g}' for n in faster)})",
               len(faster) == 3)
    save_plot(args, "s4_saddle.png", lambda path: plot.trajectories(
        saddle_grid, {name: p for name, (_, p) in runs.items()}, xlim=(-1.8, 1.8), ylim=(-1.5, 1.5),
        minima=[(0, 1), (0, -1)], path=path, levels=25,
        title=f"Saddle w1² + w2⁴/4 - w2²/2, learning rate {SADDLE_RATE}"))
    return ok, {name: s for name, (s, _) in runs.items()}


def search_rates(max_steps: int) -> dict[str, float]:
    """The learning rate of GRID that converges in the fewest steps on the ravine, per optimizer."""
    best = {}
    for name, make in OPTIMIZERS.items():
        results = {}
        for rate in GRID:
            with np.errstate(all="ignore"):
                results[rate], _ = descend(rosenbrock, make(rate), RAVINE_START, max_steps, at_ravine_minimum)
        print(f"  {name:>9}: " + ", ".join(f"{r:g} -> {s if s is not None else '-'}" for r, s in results.items()))
        finished = {rate: s for rate, s in results.items() if s is not None}
        best[name] = min(finished, key=finished.get) if finished else RAVINE_RATES[name]
    return best


def ravine_section(args: Any) -> tuple[bool, dict[str, Any]]:
    max_steps = 1500 if args.quick else 5000
    heading(f"2. Ravine (Rosenbrock): start at {RAVINE_START}, each optimizer at its best learning rate")
    rates = dict(RAVINE_RATES)
    if args.search:
        print(f"searching the grid {GRID} (steps to converge, '-' = not within {max_steps}):")
        rates = search_rates(max_steps)
    runs = {name: descend(rosenbrock, OPTIMIZERS[name](rates[name]), RAVINE_START, max_steps, at_ravine_minimum)
            for name in OPTIMIZERS}
    report(runs, rates, max_steps, lambda w: float(rosenbrock_grid(w[0], w[1])),
           lambda w: float(np.hypot(w[0] - 1, w[1] - 1)))
    steps = {name: s for name, (s, _) in runs.items()}
    ok = claim("momentum and Adam reach the minimum of the ravine; plain SGD, its rate capped by the steep walls "
               "(stable only below 2 / 1002), does not",
               steps["momentum"] is not None and steps["Adam"] is not None and steps["SGD"] is None)
    ok &= claim("AdaGrad's accumulated squared gradients shrink its steps until it stalls short of the minimum",
                steps["AdaGrad"] is None)
    save_plot(args, "s4_ravine.png", lambda path: plot.trajectories(
        rosenbrock_grid, {name: p for name, (_, p) in runs.items()}, xlim=(-1.5, 1.5), ylim=(-0.5, 2.0),
        minima=[(1, 1)], path=path, levels=25, log_levels=True,
        title="Ravine: Rosenbrock's function, best rate each"))
    return ok, steps


def noisy_quadratic(schedule: Any, steps: int, seed: int, dim: int = 10) -> np.ndarray:
    """SGD on f(w) = ||w||^2 / 2 with gradients w + N(0, 1): the loss after every step."""
    rng = np.random.default_rng(seed)
    w = np.full(dim, 5.0)
    optimizer = optimizers.SGD(learning_rate=schedule)
    losses = []
    for _ in range(steps):
        gradient = w + rng.standard_normal(dim)   # the mini-batch's noisy estimate of the true gradient w
        optimizer.apply([gradient], [w])
        losses.append(0.5 * float(w @ w))
    return np.array(losses)


def decay_section(args: Any) -> tuple[bool, dict[str, float]]:
    heading("3. Learning-rate decay (the notes' eta_0 = 0.1, eta_tau = 0.01, tau = 100)")
    linear = LinearDecay(eta_0=0.1, tau=100, eta_tau=0.01)
    quadratic = PolynomialDecay(0.1, decay_steps=100, end_learning_rate=0.01, power=2.0)
    table([[k, linear(k), quadratic(k)] for k in (0, 25, 50, 75, 100, 200)],
          ["step k", "LinearDecay", "PolynomialDecay(power=2)"])
    steps = 200 if args.quick else 400
    schedules = {"constant 0.1": 0.1, "constant 0.01": 0.01, "linear decay 0.1 -> 0.01": linear,
                 "polynomial decay (power 2)": quadratic}
    curves = {label: noisy_quadratic(s, steps, args.seed) for label, s in schedules.items()}
    # The average over the last 50 steps smooths the noise of single steps.
    final = {label: float(values[-50:].mean()) for label, values in curves.items()}
    reached = {label: int(np.argmax(values < 1.0)) + 1 if (values < 1.0).any() else None
               for label, values in curves.items()}
    table([[label, reached[label] or f"> {steps}", final[label]] for label in curves],
          ["SGD on a noisy quadratic", "steps to loss < 1", "final loss (mean of last 50)"])
    ok = claim(f"linear decay ends lower ({final['linear decay 0.1 -> 0.01']:.3f}) than the constant rate 0.1 "
               f"({final['constant 0.1']:.3f}) and gets there faster than 0.01 ({reached['linear decay 0.1 -> 0.01']}"
               f" vs {reached['constant 0.01'] or '> ' + str(steps)} steps to loss < 1)",
               final["linear decay 0.1 -> 0.01"] < final["constant 0.1"]
               and (reached["constant 0.01"] is None
                    or reached["linear decay 0.1 -> 0.01"] < reached["constant 0.01"]))

    def draw(path: Any) -> None:
        fig, (left, right) = plot.figure(ncols=2, size=(11, 4))
        k = np.arange(steps)
        plot.curves({label: (k, [s(i) if callable(s) else s for i in k]) for label, s in schedules.items()},
                    ax=left, xlabel="step", ylabel="learning rate", title="Schedules")
        plot.curves({label: (k + 1, values) for label, values in curves.items()}, ax=right, xlabel="step",
                    ylabel="loss", logy=True, title="SGD on a noisy quadratic")
        plot.save(fig, path)

    save_plot(args, "s4_learning_rate_decay.png", draw)
    return ok, final


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(__doc__.splitlines()[0], argv, lambda parser: parser.add_argument(
        "--search", action="store_true", help="search each optimizer's best learning rate on the ravine"))
    saddle_ok, saddle_steps = saddle_section(args)
    ravine_ok, ravine_steps = ravine_section(args)
    decay_ok, decay_losses = decay_section(args)
    return {"saddle_steps": saddle_steps, "ravine_steps": ravine_steps, "decay_final_loss": decay_losses,
            "claims_hold": saddle_ok and ravine_ok and decay_ok}


if __name__ == "__main__":
    sys.exit(0 if main()["claims_hold"] else 1)
