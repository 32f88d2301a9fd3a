"""Small synthetic data sets for the notes' demonstrations: XOR, two-class sets for decision boundaries, and a
smooth 1-D function for universal approximation.

Every random set draws from its own ``np.random.default_rng(seed)`` (never the global NumPy state), so the same
arguments give the same arrays. Inputs are float32 ``(n, 2)``; the two-class sets return labels as float32
``(n, 1)`` holding 0.0 or 1.0, like :func:`xor`, ready for a 1-unit sigmoid output and binary cross-entropy
(``y.ravel().astype(int)`` gives class indices). Rows are shuffled so the classes are interleaved.
"""
from __future__ import annotations

import numpy as np

Seed = int | np.random.Generator | None


def xor() -> tuple[np.ndarray, np.ndarray]:
    """Return the XOR truth table of the notes: X float32 (4, 2), y float32 (4, 1).

    Example:
        >>> X, y = xor()
        >>> X.tolist(), y.ravel().tolist()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    return X, y


def _check(n: int, noise: float, minimum: int = 2) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, received {n!r}")
    if not noise >= 0:  # also rejects NaN
        raise ValueError(f"noise must be >= 0, received {noise!r}")


def _two_classes(
    points0: np.ndarray, points1: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stack two classes' points, add Gaussian noise of std ``noise``, shuffle, cast to float32."""
    X = np.concatenate([points0, points1])
    y = np.concatenate([np.zeros(len(points0)), np.ones(len(points1))])
    X = X + rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(len(X))
    return X[order].astype(np.float32), y[order, None].astype(np.float32)


def _class_sizes(n: int) -> tuple[int, int]:
    """Class 0 gets the odd example out."""
    return n - n // 2, n // 2


def two_moons(n: int = 200, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: not linearly separable, but separable by a small network.

    Class 0 lies on the upper half of the unit circle, (cos t, sin t) for t in [0, pi]; class 1 on the lower
    half circle shifted to (1 - cos t, 0.5 - sin t). t is drawn uniformly, then Gaussian noise is added.

    Args:
        n: number of points (class 0 gets ``n - n // 2``, class 1 ``n // 2``).
        noise: standard deviation of the Gaussian noise added to each coordinate.
        seed: seed (or Generator) for ``np.random.default_rng``.

    Returns:
        X float32 (n, 2) in about [-1, 2] x [-0.5, 1]; y float32 (n, 1) of 0.0 / 1.0.

    Example:
        >>> X, y = two_moons(100, noise=0.05, seed=1)
        >>> X.shape, y.shape, float(y.sum())
        ((100, 2), (100, 1), 50.0)
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n)
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    return _two_classes(upper, lower, noise, rng)


def two_spirals(
    n: int = 200, noise: float = 0.02, turns: float = 1.5, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals (after Lang & Witbrock's benchmark): hard for shallow networks.

    A point at parameter s in [0, 1] (drawn uniformly) sits at radius s and angle ``2 pi turns s``; class 1 is
    class 0 rotated by pi. Gaussian noise of std ``noise`` is added.

    Args:
        n: number of points (class 0 gets ``n - n // 2``, class 1 ``n // 2``).
        noise: standard deviation of the Gaussian noise added to each coordinate.
        turns: how many times each arm winds around the origin; more is harder.
        seed: seed (or Generator) for ``np.random.default_rng``.

    Returns:
        X float32 (n, 2) within about the unit disc; y float32 (n, 1) of 0.0 / 1.0.
    """
    _check(n, noise)
    if not turns > 0:
        raise ValueError(f"turns must be > 0, received {turns!r}")
    rng = np.random.default_rng(seed)

    def arm(count: int, phase: float) -> np.ndarray:
        s = rng.uniform(0.0, 1.0, count)
        angle = 2.0 * np.pi * turns * s + phase
        return np.stack([s * np.cos(angle), s * np.sin(angle)], axis=1)

    n0, n1 = _class_sizes(n)
    return _two_classes(arm(n0, 0.0), arm(n1, np.pi), noise, rng)


def circles(
    n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on the unit circle, class 1 on the circle of radius ``factor``.

    Separable by a network (or by the feature x1^2 + x2^2), never by a line. Angles are drawn uniformly.

    Args:
        n: number of points (class 0 gets ``n - n // 2``, class 1 ``n // 2``).
        noise: standard deviation of the Gaussian noise added to each coordinate.
        factor: radius of the inner circle, in (0, 1).
        seed: seed (or Generator) for ``np.random.default_rng``.

    Returns:
        X float32 (n, 2); y float32 (n, 1) of 0.0 (outer) / 1.0 (inner).
    """
    _check(n, noise)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be in (0, 1), received {factor!r}")
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n)
    a0 = rng.uniform(0.0, 2.0 * np.pi, n0)
    a1 = rng.uniform(0.0, 2.0 * np.pi, n1)
    outer = np.stack([np.cos(a0), np.sin(a0)], axis=1)
    inner = factor * np.stack([np.cos(a1), np.sin(a1)], axis=1)
    return _two_classes(outer, inner, noise, rng)


def smooth_target(x: np.ndarray) -> np.ndarray:
    """The universal-approximation target f(x) = sin(3x) + 0.3 x^2, elementwise (same shape and dtype)."""
    x = np.asarray(x)
    return np.sin(3.0 * x) + 0.3 * x**2


def smooth_function(
    n: int = 200, noise: float = 0.0, low: float = -2.0, high: float = 2.0, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Samples of the smooth 1-D function f(x) = sin(3x) + 0.3 x^2 (:func:`smooth_target`) on [low, high].

    For the notes' universal-approximation demo: a network with one hidden layer fits it closely. x is drawn
    uniformly and returned sorted, so ``plot(x, y)`` draws the curve; Gaussian noise of std ``noise`` may be
    added to y.

    Args:
        n: number of samples.
        noise: standard deviation of the Gaussian noise added to y (0: exact values).
        low, high: the interval.
        seed: seed (or Generator) for ``np.random.default_rng``.

    Returns:
        x float32 (n, 1) ascending, y float32 (n, 1).

    Example:
        >>> x, y = smooth_function(50)
        >>> x.shape, y.shape, bool((x[1:] >= x[:-1]).all())
        ((50, 1), (50, 1), True)
    """
    _check(n, noise, minimum=1)
    if not low < high:
        raise ValueError(f"low must be < high, received low={low!r}, high={high!r}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, n))
    y = smooth_target(x) + rng.normal(scale=noise, size=n) if noise > 0 else smooth_target(x)
    return x[:, None].astype(np.float32), y[:, None].astype(np.float32)
