"""How lamina.special's float32 erf coefficients were made (run with NumPy; prints them).

    erf(x) ~ x P(x^2) / Q(x^2) on 0 <= x <= 4 (clamped to 1 beyond), P of degree 6, Q of degree 5 with Q(0) = 1,
fitted by linearized least squares (S Q - P = 0 with S = erf(sqrt t)/sqrt t), reweighted five times by
1 / |S Q| so that the relative error is what is minimized, on Chebyshev nodes plus a uniform grid in x.
Evaluated in float32 the fit is within ~6 float32 ulps of math.erf (tests/test_activations_more.py checks 8).
"""

import math

import numpy as np


def fit(p: int = 6, q: int = 5, iterations: int = 6) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(4001)
    a = np.sort(np.concatenate([2 + 2 * np.cos(np.pi * (k + 0.5) / len(k)), np.linspace(0, 4, 4001)]))
    t = a * a
    s = np.array([math.erf(v) / v if v > 0 else 2 / math.sqrt(math.pi) for v in a])
    weights = np.ones_like(t)
    for _ in range(iterations):
        columns = [t ** i for i in range(p + 1)] + [-s * t ** j for j in range(1, q + 1)]
        solution, *_ = np.linalg.lstsq(np.stack(columns, 1) * weights[:, None], s * weights, rcond=None)
        numerator, denominator = solution[:p + 1], np.concatenate([[1.0], solution[p + 1:]])
        weights = 1 / np.abs(s * np.polyval(denominator[::-1], t))
    return numerator, denominator


if __name__ == "__main__":
    numerator, denominator = fit()
    print("P =", [float(c) for c in numerator])
    print("Q =", [float(c) for c in denominator])
