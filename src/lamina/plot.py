"""Pictures of training and of the notes' ideas: history curves, decision boundaries, activation functions and
optimizer trajectories (needs matplotlib: ``pip install lamina[plot]``).

matplotlib is imported inside the functions, never by ``import lamina``. The figures are built with matplotlib's
object API (``matplotlib.figure.Figure``), not ``pyplot``: nothing here needs a display or switches the user's
backend, a PNG is rendered by Agg whatever the backend, and no figure is left registered in pyplot (scripts
that make many figures do not leak memory). Every function returns the ``Figure`` (a notebook displays it) and,
given ``path``, writes it there (PNG for a ``.png`` name; the folder is created).

Example::

    from lamina import plot
    history = model.fit(x, y, epochs=10, validation_split=0.2, verbose=0)
    fig = plot.history(history, path="lamina-output/history.png")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["figure", "history", "curves", "decision_boundary", "activations", "trajectories", "save", "available"]

INSTALL_HINT = "lamina.plot needs matplotlib: pip install lamina[plot]  (or: pip install matplotlib)"


def available() -> bool:
    """True when matplotlib can be imported (so the plotting functions work)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def figure(ncols: int = 1, nrows: int = 1, size: tuple[float, float] | None = None) -> tuple[Any, Any]:
    """A new ``Figure`` (outside pyplot) and its axes (one ``Axes``, or an array for a grid), to combine several
    plots: pass the axes to the functions below as ``ax=``, then ``save(fig, path)``."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    width, height = size or (5.0 * ncols, 3.8 * nrows)
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def save(fig: Any, path: str | os.PathLike[str] | None, dpi: int = 110) -> Any:
    """Write ``fig`` to ``path`` (format from the suffix, PNG by default), creating its folder; return ``fig``.

    ``path=None`` only returns the figure.
    """
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(target, dpi=dpi, format=target.suffix[1:] if target.suffix else "png")
    return fig


def _history_dict(source: Any) -> dict[str, list[float]]:
    """``{'loss': [...], ...}`` from a ``History``, a model that was fitted, or a dict."""
    record = getattr(source, "history", source)
    record = getattr(record, "history", record)  # a model's .history is a History, whose .history is the dict
    if not isinstance(record, Mapping):
        raise TypeError(f"plot.history needs a History (what fit returns) or a dict of lists; received "
                        f"{type(source).__name__}")
    return {str(key): [float(v) for v in values] for key, values in record.items()}


def history(source: Any, path: str | os.PathLike[str] | None = None, title: str | None = None) -> Any:
    """Training curves, one panel per quantity: loss, then each metric, its ``val_`` twin on the same axes.

    Args:
        source: what ``fit`` returned (a ``History``), a fitted model, or ``{'loss': [...], 'val_loss': [...]}``.
        path: where to save the figure (e.g. ``"out/history.png"``); None to only return it.
        title: the figure's title.

    Returns:
        The matplotlib ``Figure``.
    """
    record = _history_dict(source)
    names = [key for key in record if not key.startswith("val_")]
    names += [key[4:] for key in record if key.startswith("val_") and key[4:] not in record]
    names.sort(key=lambda key: (key != "loss", key))  # the loss first, as in Keras's plots
    if not names:
        raise ValueError("plot.history: the history is empty (no epoch completed?)")
    fig, axes = figure(ncols=len(names))
    axes = np.atleast_1d(axes)
    for ax, name in zip(axes, names):
        for key, label, style in ((name, "training", "-"), (f"val_{name}", "validation", "--")):
            if key in record:
                values = record[key]
                ax.plot(np.arange(1, len(values) + 1), values, style, marker="o" if len(values) < 15 else None,
                        label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return save(fig, path)


def curves(series: Mapping[str, Any], path: str | os.PathLike[str] | None = None, xlabel: str = "epoch",
           ylabel: str = "", title: str | None = None, logy: bool = False, ax: Any = None,
           size: tuple[float, float] | None = None) -> Any:
    """Several named curves on one set of axes, to compare runs (e.g. each regularizer's validation loss).

    Args:
        series: ``{label: ys}`` or ``{label: (xs, ys)}``; plain ys are plotted against 1, 2, 3, ...
        path: where to save the figure; None to only return it.
        xlabel, ylabel, title: axis labels and title.
        logy: a logarithmic y axis (for quantities spanning decades, such as gradient norms).
        ax: draw into these existing axes instead of a new figure.
        size: the new figure's (width, height) in inches.

    Returns:
        The matplotlib ``Figure``.
    """
    if ax is None:
        fig, ax = figure(size=size)
    else:
        fig = ax.figure
    for label, values in series.items():
        if isinstance(values, tuple) and len(values) == 2:
            xs, ys = np.asarray(values[0], dtype=float), np.asarray(values[1], dtype=float)
        else:
            ys = np.asarray(values, dtype=float)
            xs = np.arange(1, len(ys) + 1)
        ax.plot(xs, ys, label=label, marker="o" if len(ys) < 15 else None)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return save(fig, path)


def _scores(model: Any, points: np.ndarray) -> np.ndarray:
    """The model's score for class 1 on ``points``: a sigmoid's output, or P(class 1) of a softmax."""
    predict = getattr(model, "predict", None)
    if callable(predict):
        try:
            out = predict(points, verbose=0)
        except TypeError:  # a predict() without Keras's verbose argument (e.g. a hand-written model)
            out = predict(points)
    elif callable(model):
        out = model(points)
    else:
        raise TypeError(f"plot.decision_boundary needs a model with predict() or a function of X; received "
                        f"{type(model).__name__}")
    out = np.asarray(getattr(out, "data", out), dtype=float)
    if out.ndim == 2 and out.shape[1] > 1:
        return out[:, 1] if out.shape[1] == 2 else np.argmax(out, axis=1).astype(float)
    return out.reshape(len(points))


def decision_boundary(model: Any, X: Any, y: Any, path: str | os.PathLike[str] | None = None,
                      title: str | None = None, resolution: int = 200, margin: float = 0.5,
                      threshold: float = 0.5, ax: Any = None) -> Any:
    """A 2-D classifier's decision regions, its boundary (score = ``threshold``) and the labelled points.

    Args:
        model: a model with ``predict`` (e.g. a ``Sequential`` ending in a sigmoid unit or a softmax), or a
            function mapping an (n, 2) array to scores.
        X: the points, shape (n, 2).
        y: their labels, 0/1 (any shape with n elements).
        path: where to save the figure; None to only return it.
        resolution: grid points per axis; margin: how far the grid extends beyond the points.
        threshold: the score where the boundary is drawn (0.5 for a sigmoid output).
        ax: draw into these existing axes instead of a new figure.

    Returns:
        The matplotlib ``Figure``.
    """
    X = np.asarray(X, dtype=np.float32)
    labels = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot.decision_boundary needs 2-D points of shape (n, 2); received shape {X.shape}")
    if len(labels) != len(X):
        raise ValueError(f"plot.decision_boundary: {len(X)} points but {len(labels)} labels")
    if ax is None:
        fig, ax = figure(size=(5.0, 4.2))
    else:
        fig = ax.figure
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
    scores = _scores(model, grid).reshape(gx.shape)
    # Levels span at least [0, 1], so a constant score (a model that learnt nothing) shows as one flat colour
    # rather than as noise magnified to fill the colour bar.
    lowest, highest = min(float(scores.min()), 0.0), max(float(scores.max()), 1.0)
    filled = ax.contourf(gx, gy, scores, levels=np.linspace(lowest, highest, 21), cmap="RdBu_r", alpha=0.55)
    fig.colorbar(filled, ax=ax, label="score")
    if scores.min() < threshold < scores.max():
        ax.contour(gx, gy, scores, levels=[threshold], colors="k", linewidths=1.5)
    for label, marker, colour in ((0, "o", "tab:blue"), (1, "^", "tab:red")):
        chosen = labels == label
        ax.scatter(X[chosen, 0], X[chosen, 1], marker=marker, c=colour, edgecolors="k", s=40,
                   label=f"class {label}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)
    return save(fig, path)


def _activation_and_derivative(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) for a Lamina activation, the derivative by Lamina's autodiff (elementwise, so the
    gradient of sum(f(x)) is f'(x))."""
    from . import activations as _activations
    from .tensor import Tensor

    function = _activations.get(name)
    xt = Tensor(x, requires_grad=True, dtype=np.float64)
    out = function(xt)
    out.sum().backward()
    return np.asarray(out.data), np.asarray(xt.grad)


def activations(names: Sequence[str] = ("sigmoid", "tanh", "relu", "leaky_relu"),
                path: str | os.PathLike[str] | None = None, low: float = -5.0, high: float = 5.0,
                title: str | None = None) -> Any:
    """Activation functions (left) and their derivatives (right), the derivatives from Lamina's autodiff.

    Args:
        names: elementwise activations known to ``lamina.activations.get`` ('sigmoid', 'tanh', 'relu',
            'leaky_relu', 'linear', ...).
        path: where to save the figure; None to only return it.
        low, high: the range of x.

    Returns:
        The matplotlib ``Figure``.
    """
    x = np.linspace(low, high, 401)
    fig, (left, right) = figure(ncols=2)
    styles = ("-", "--", "-.", ":")  # distinct dashes, so curves that coincide (relu, leaky_relu) stay visible
    for i, name in enumerate(names):
        values, slopes = _activation_and_derivative(name, x)
        left.plot(x, values, styles[i % len(styles)], label=name, linewidth=1.8)
        right.plot(x, slopes, styles[i % len(styles)], label=f"{name}'", linewidth=1.8)
    left.set_title("f(x)")
    right.set_title("f'(x), by autodiff")
    for ax in (left, right):
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.axvline(0, color="grey", linewidth=0.6)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return save(fig, path)


def trajectories(surface: Callable[[np.ndarray, np.ndarray], np.ndarray], paths: Mapping[str, Any],
                 xlim: tuple[float, float], ylim: tuple[float, float],
                 path: str | os.PathLike[str] | None = None, title: str | None = None, levels: int = 30,
                 log_levels: bool = False, minima: Sequence[tuple[float, float]] = (), ax: Any = None) -> Any:
    """Optimizer paths drawn over the contours of a 2-D loss surface.

    Args:
        surface: f(X, Y) -> Z, vectorised over NumPy arrays (e.g. ``lambda x, y: x**2 - y**2``).
        paths: ``{label: points}``, each an array of shape (steps, 2): the parameters after every step.
        xlim, ylim: the plotted region.
        path: where to save the figure; None to only return it.
        levels: number of contour levels.
        log_levels: space the contour levels logarithmically (for ravines such as Rosenbrock's, whose
            values span many decades).
        minima: points to mark with a star.
        ax: draw into these existing axes instead of a new figure.

    Returns:
        The matplotlib ``Figure``.
    """
    if ax is None:
        fig, ax = figure(size=(5.5, 4.5))
    else:
        fig = ax.figure
    gx, gy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    gz = surface(gx, gy)
    if log_levels:
        # Shift so the lowest value is positive, then space the levels geometrically.
        floor = gz.min()
        shifted = gz - floor + 1e-3
        contour_levels = np.geomspace(shifted.min(), shifted.max(), levels) + floor - 1e-3
        ax.contour(gx, gy, gz, levels=contour_levels, colors="0.65", linewidths=0.6)
    else:
        ax.contour(gx, gy, gz, levels=levels, colors="0.65", linewidths=0.6)
    for label, points in paths.items():
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"plot.trajectories: path {label!r} must have shape (steps, 2); received "
                             f"{points.shape}")
        line, = ax.plot(points[:, 0], points[:, 1], linewidth=1.4, label=label)
        ax.plot(points[0, 0], points[0, 1], "o", color=line.get_color(), markersize=4)
        ax.plot(points[-1, 0], points[-1, 1], "x", color=line.get_color(), markersize=7)
    for mx, my in minima:
        ax.plot(mx, my, "*", color="gold", markeredgecolor="k", markersize=14)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend(fontsize="small", loc="best")
    if title:
        ax.set_title(title)
    return save(fig, path)
